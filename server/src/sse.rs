//! Formatting of SSE frames and of the JSON messages the scenarios send.

use serde::Serialize;

/// The texts of successive messages; cycled when a stream needs more.
const TOKENS: [&str; 8] = ["Hello", ",", " world", "!", " How", " are", " you", "?"];

/// The text of message `index`.
pub fn token(index: u64) -> &'static str {
    TOKENS[(index % TOKENS.len() as u64) as usize]
}

/// One message payload. Field order matters: tests compare exact bytes.
#[derive(Serialize)]
struct Message<'a> {
    index: u64,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u8>,
}

/// Compact JSON for a message; `status: None` leaves the key out (sentinel scenario).
pub fn message(index: u64, text: &str, status: Option<u8>) -> String {
    let message = Message {
        index,
        text,
        status,
    };
    serde_json::to_string(&message).expect("a message always serialises")
}

/// An event block: optional `event:` and `id:` fields, one `data:` line per line of `data`.
pub fn event(id: Option<u64>, name: Option<&str>, data: &str) -> String {
    event_with_id(id.map(|id| id.to_string()).as_deref(), name, data)
}

/// Like [`event`], for ids that are not numbers.
pub fn event_with_id(id: Option<&str>, name: Option<&str>, data: &str) -> String {
    let mut frame = String::with_capacity(data.len() + 32);
    if let Some(name) = name {
        frame.push_str(&format!("event: {name}\n"));
    }
    if let Some(id) = id {
        frame.push_str(&format!("id: {id}\n"));
    }
    for line in data.split('\n') {
        frame.push_str("data: ");
        frame.push_str(line);
        frame.push('\n');
    }
    frame.push('\n');
    frame
}

/// A block that only sets the client's reconnection delay.
pub fn retry(ms: u64) -> String {
    format!("retry: {ms}\n\n")
}

/// A comment block, ignored by clients (used as a heartbeat).
pub fn comment(text: &str) -> String {
    format!(": {text}\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_keeps_field_order() {
        assert_eq!(
            message(2, token(2), Some(0)),
            r#"{"index":2,"text":" world","status":0}"#
        );
        assert_eq!(message(9, token(9), None), r#"{"index":9,"text":","}"#);
    }

    #[test]
    fn event_writes_fields_then_blank_line() {
        assert_eq!(
            event(Some(3), Some("done"), "a\nb"),
            "event: done\nid: 3\ndata: a\ndata: b\n\n"
        );
        assert_eq!(event(None, None, "[DONE]"), "data: [DONE]\n\n");
    }
}
