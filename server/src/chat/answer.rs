//! What the simulated assistant says, split into tokens that keep their leading space.

/// The answer to the GET chat's `q=` prompt (a single turn with no history).
pub fn to_prompt(prompt: &str) -> Vec<String> {
    tokens(&format!(
        "You asked: \u{201c}{}\u{201d}. Server-Sent Events carry an answer like this one over a \
         single HTTP response: the server writes each token as a data line, the browser's \
         EventSource hands it to wasm-sse, and wasm-sse decodes the JSON, delivers it, and \
         closes the stream as soon as the final message arrives, before the end of the \
         response could make the browser reconnect.",
        prompt.trim()
    ))
}

/// The answer to a conversation (POST chat and the OpenAI-compatible endpoint): it quotes
/// `last_user` and tells which turn this is (`turn` = the user messages so far) and how many
/// `messages` the request carried, so a client can see that its whole history was sent.
pub fn to_history(last_user: &str, turn: usize, messages: usize) -> Vec<String> {
    let plural = if messages == 1 { "" } else { "s" };
    tokens(&format!(
        "You asked: \u{201c}{}\u{201d}. This is turn {turn} of our conversation, and your \
         request carried all of it ({messages} message{plural}). Server-Sent Events carry an \
         answer like this one over a single HTTP response: the server writes each token as a \
         data line, and wasm-sse reads them as they arrive, decodes the JSON, delivers it, and \
         closes the stream as soon as the final message arrives.",
        last_user.trim()
    ))
}

/// Splits on spaces; every token but the first keeps its leading space, so the tokens
/// concatenate back to `text`.
fn tokens(text: &str) -> Vec<String> {
    text.split(' ')
        .enumerate()
        .map(|(i, word)| {
            if i == 0 {
                word.to_owned()
            } else {
                format!(" {word}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_quotes_the_prompt_and_keeps_spaces() {
        let tokens = to_prompt("  hi there ");
        assert_eq!(tokens[0], "You");
        assert_eq!(tokens[1], " asked:");
        assert_eq!(tokens[2], " \u{201c}hi");
        assert!(tokens
            .concat()
            .starts_with("You asked: \u{201c}hi there\u{201d}. Server-Sent"));
    }

    #[test]
    fn the_history_answer_counts_turns_and_messages() {
        let text = to_history(" and  then? ", 2, 3).concat();
        assert!(text.starts_with(
            "You asked: \u{201c}and  then?\u{201d}. This is turn 2 of our conversation, and \
             your request carried all of it (3 messages). Server-Sent"
        ));
        assert!(to_history("hi", 1, 1).concat().contains("(1 message)."));
    }
}
