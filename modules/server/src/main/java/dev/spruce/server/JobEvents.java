package dev.spruce.server;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.spruce.model.generation.GenerationResult;

/**
 * A {@link JobListener} that queues events for the request's thread, which writes them to the
 * client: the scheduler never waits on a slow or vanished client.
 */
final class JobEvents implements JobListener {

    private final LinkedBlockingQueue<JobEvent> events = new LinkedBlockingQueue<>();

    @Override
    public void text(String piece) {
        events.add(new JobEvent.Text(piece));
    }

    @Override
    public void finished(GenerationResult result) {
        events.add(new JobEvent.Finished(result));
    }

    @Override
    public void failed(String message) {
        events.add(new JobEvent.Failed(message));
    }

    /** The next event, or null if none came within {@code millis}. */
    JobEvent next(long millis) throws InterruptedException {
        return events.poll(millis, TimeUnit.MILLISECONDS);
    }
}
