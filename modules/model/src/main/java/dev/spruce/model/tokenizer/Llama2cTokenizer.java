package dev.spruce.model.tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The tokenizer of llama2.c checkpoints ({@code tokenizer.bin}, {@code tok512.bin}): an int32
 * maximum piece length, then per piece a float32 score, an int32 byte length and the bytes, all
 * little-endian. Ids 0–2 are {@code <unk>}, BOS and EOS, ids 3–258 the byte pieces
 * {@code <0x00>}…{@code <0xFF>}.
 *
 * <p>Encoding is llama2.c's {@code encode()}: a non-empty text gets the piece {@code " "} in
 * front; each UTF-8 character becomes its piece, or its bytes as byte pieces (byte + 3); then the
 * adjacent pair whose concatenation is a piece with the highest score is merged, the leftmost on
 * ties, until no pair is a piece.
 *
 * <p>Decoding skips BOS and EOS, turns byte pieces back into bytes and, like SentencePiece, drops
 * the space the encoder put in front, so {@code decode(encode(s)).equals(s)}.
 */
public final class Llama2cTokenizer implements Tokenizer {

    /** The beginning-of-sequence id of every llama2.c vocabulary. */
    public static final int BOS = 1;
    /** The end-of-sequence id of every llama2.c vocabulary. */
    public static final int EOS = 2;

    private static final int BYTE_OFFSET = 3;
    /** llama2.c starts its search for the best pair at this score: pieces scoring no higher never merge. */
    private static final float NO_MERGE_SCORE = -1e10f;

    /** Pieces as Latin-1 strings (one char per byte): any byte sequence, valid UTF-8 or not, is a key. */
    private final String[] pieces;
    private final Map<String, Integer> idOfPiece;
    private final PairMerger merger;
    private final TokenBytes decoding;
    private final int maxPieceLength;

    private Llama2cTokenizer(String[] pieces, float[] scores, int maxPieceLength) {
        this.pieces = pieces;
        this.maxPieceLength = maxPieceLength;
        this.idOfPiece = new HashMap<>();
        Map<String, List<Integer>> idsOfPiece = new HashMap<>();
        for (int id = 0; id < pieces.length; id++) {
            idOfPiece.putIfAbsent(pieces[id], id);
            idsOfPiece.computeIfAbsent(pieces[id], k -> new ArrayList<>()).add(id);
        }
        this.merger = merges(idOfPiece, idsOfPiece, scores);
        this.decoding = new TokenBytes(decodedBytes(pieces), 1);
    }

    /**
     * Every pair whose concatenation is a piece, merging into that piece with priority -score. A
     * text piece with duplicates merges into its first id, as a lookup in the sorted vocabulary would.
     */
    private static PairMerger merges(Map<String, Integer> idOfPiece, Map<String, List<Integer>> idsOfPiece,
                                     float[] scores) {
        PairMerger.Builder merges = new PairMerger.Builder();
        idOfPiece.forEach((piece, id) -> {
            if (!(scores[id] > NO_MERGE_SCORE)) {
                return;
            }
            for (int cut = 1; cut < piece.length(); cut++) {
                List<Integer> lefts = idsOfPiece.get(piece.substring(0, cut));
                List<Integer> rights = idsOfPiece.get(piece.substring(cut));
                if (lefts == null || rights == null) {
                    continue;
                }
                for (int l : lefts) {
                    for (int r : rights) {
                        merges.add(l, r, id, -scores[id]);
                    }
                }
            }
        });
        return merges.build();
    }

    private static byte[][] decodedBytes(String[] pieces) {
        byte[][] bytes = new byte[pieces.length][];
        for (int id = 0; id < pieces.length; id++) {
            if (id == BOS || id == EOS) {
                continue;
            }
            int b = byteOfPiece(pieces[id]);
            bytes[id] = b >= 0 ? new byte[] {(byte) b} : pieces[id].getBytes(StandardCharsets.ISO_8859_1);
        }
        return bytes;
    }

    /** The byte a piece {@code <0xNN>} stands for, or -1 for any other piece. */
    private static int byteOfPiece(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') {
            return -1;
        }
        int hi = Character.digit(piece.charAt(3), 16), lo = Character.digit(piece.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    /**
     * Reads a llama2.c tokenizer file; its vocabulary is every piece up to the end of the file.
     *
     * @throws TokenizerException naming the file and byte offset if it is missing, truncated, or
     *                             lacks the byte pieces at ids 3–258 that byte fallback relies on
     */
    public static Llama2cTokenizer read(Path file) throws TokenizerException {
        ByteBuffer b;
        try {
            b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new TokenizerException(file, "cannot read the llama2.c tokenizer: " + e, e);
        }
        if (b.remaining() < 4) {
            throw new TokenizerException(file, "not a llama2.c tokenizer: " + b.remaining() + " bytes, no header");
        }
        int maxLength = b.getInt();
        if (maxLength <= 0) {
            throw new TokenizerException(file, "(byte 0): max token length " + maxLength + " is not positive");
        }
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        while (b.hasRemaining()) {
            int at = b.position();
            if (b.remaining() < 8) {
                throw new TokenizerException(file, "(byte " + at + "): token " + pieces.size() + " is truncated, "
                        + b.remaining() + " bytes left of an 8-byte score and length");
            }
            float score = b.getFloat();
            int length = b.getInt();
            if (length < 0 || length > b.remaining()) {
                throw new TokenizerException(file, "(byte " + at + "): token " + pieces.size() + " claims " + length
                        + " bytes, " + b.remaining() + " remain");
            }
            byte[] piece = new byte[length];
            b.get(piece);
            pieces.add(new String(piece, StandardCharsets.ISO_8859_1));
            scores.add(score);
        }
        for (int byteValue = 0; byteValue < 256; byteValue++) {
            int id = BYTE_OFFSET + byteValue;
            if (id >= pieces.size() || byteOfPiece(pieces.get(id)) != byteValue) {
                throw new TokenizerException(file, "token " + id + " is "
                        + (id < pieces.size() ? "'" + pieces.get(id) + "'" : "missing (" + pieces.size() + " tokens)")
                        + ", expected the byte piece " + String.format("<0x%02X>", byteValue));
            }
        }
        float[] s = new float[scores.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = scores.get(i);
        }
        return new Llama2cTokenizer(pieces.toArray(String[]::new), s, maxLength);
    }

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    /** The longest piece in bytes, as the file declares it. */
    public int maxPieceLength() {
        return maxPieceLength;
    }

    @Override
    public int[] encode(String text) {
        if (text.isEmpty()) {
            return new int[0];
        }
        IntList ids = new IntList();
        addCharacter(ids, " ");
        text.codePoints().forEach(cp -> addCharacter(ids, Character.toString(cp)));
        return merger.apply(ids.toArray());
    }

    /** The piece of one character, or its UTF-8 bytes as byte pieces. */
    private void addCharacter(IntList ids, String character) {
        byte[] utf8 = character.getBytes(StandardCharsets.UTF_8);
        Integer id = idOfPiece.get(new String(utf8, StandardCharsets.ISO_8859_1));
        if (id != null) {
            ids.add(id);
        } else {
            for (byte b : utf8) {
                ids.add(BYTE_OFFSET + (b & 0xFF));
            }
        }
    }

    @Override
    public String decode(int[] ids) {
        return decoding.decode(ids);
    }

    @Override
    public StreamingDecoder newDecoder() {
        return decoding.newDecoder();
    }

    @Override
    public StreamingDecoder newDecoder(int[] context) {
        return decoding.newDecoder(context);
    }

    @Override
    public int bosId() {
        return BOS;
    }

    @Override
    public List<Integer> eosIds() {
        return List.of(EOS);
    }

    /** The piece's bytes read as UTF-8 (byte pieces stay {@code <0xNN>}). */
    @Override
    public String piece(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException("id " + id + " is outside the vocabulary of " + pieces.length);
        }
        return new String(pieces[id].getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }
}
