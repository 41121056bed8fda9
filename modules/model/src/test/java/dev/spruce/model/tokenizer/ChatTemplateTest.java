package dev.spruce.model.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ChatTemplateTest {

    /** meta-llama/Llama-2-7b-chat-hf's chat_template, as tokenizer_config.json holds it (JSON-unescaped). */
    static final String LLAMA2 = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
            + "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}"
            + "{% set system_message = false %}{% endif %}{% for message in loop_messages %}"
            + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
            + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
            + "{% if loop.index0 == 0 and system_message != false %}"
            + "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
            + "{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}"
            + "{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}"
            + "{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

    /** HuggingFaceTB/SmolLM2-135M-Instruct's ChatML template; its JSON escapes "\n", so the literals hold real newlines. */
    static final String SMOLLM2 = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
            + "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
            + "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    private static final List<ChatMessage> CONVERSATION = List.of(ChatMessage.system("You are helpful."),
            ChatMessage.user(" Hi there "), ChatMessage.assistant("Hello!"), ChatMessage.user("Bye"));

    @Test
    void llama2PutsTheSystemPromptInTheFirstInstruction() throws ChatTemplateException {
        String out = new ChatTemplate(LLAMA2, "<s>", "</s>").render(CONVERSATION, true);
        // content.strip() trims the whole content, system block included, so the space before
        // "Hi there" stays and only its trailing one goes; '\n' escapes in Jinja literals are newlines.
        assertEquals("<s>[INST] <<SYS>>\nYou are helpful.\n<</SYS>>\n\n Hi there [/INST] Hello! </s>"
                + "<s>[INST] Bye [/INST]", out);
    }

    @Test
    void llama2WithoutSystemPrompt() throws ChatTemplateException {
        String out = new ChatTemplate(LLAMA2, "<s>", "</s>").render(List.of(ChatMessage.user("2+2?")), false);
        assertEquals("<s>[INST] 2+2? [/INST]", out);
    }

    @Test
    void raiseExceptionBecomesAChatTemplateExceptionWithTheTemplatesMessage() {
        ChatTemplate t = new ChatTemplate(LLAMA2, "<s>", "</s>");
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> t.render(List.of(ChatMessage.user("a"), ChatMessage.user("b")), false));
        assertEquals("the chat template refused the messages: Conversation roles must alternate "
                + "user/assistant/user/assistant/...", e.getMessage());
    }

    @Test
    void chatMlAddsADefaultSystemTurnAndTheGenerationPrompt() throws ChatTemplateException {
        ChatTemplate t = new ChatTemplate(SMOLLM2, "<|im_start|>", "<|im_end|>");
        assertEquals("<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", t.render(List.of(ChatMessage.user("Hi")), true));
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n",
                t.render(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi")), false));
    }

    @Test
    void blocksAreTrimmedAsTransformersDoes() throws ChatTemplateException {
        // trim_blocks drops the newline after a block tag, lstrip_blocks the indentation before one.
        String template = "{% for m in messages %}\n    {% if m['role'] == 'user' %}\nQ: {{ m['content'] }}\n"
                + "    {% else %}\nA: {{ m['content'] }}\n    {% endif %}\n{% endfor %}";
        String out = new ChatTemplate(template, "", "").render(List.of(ChatMessage.user("hi"), ChatMessage.assistant("yo")), false);
        assertEquals("Q: hi\nA: yo\n", out);
    }

    @Test
    void invalidJinjaIsAChatTemplateException() {
        ChatTemplate t = new ChatTemplate("{% for m in messages %}{{ m['content'] }", "", "");
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> t.render(List.of(ChatMessage.user("x")), false));
        assertTrue(e.getMessage().startsWith("the chat template failed at line"), e.getMessage());
    }
}
