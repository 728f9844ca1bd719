//! The answers the chat has given, kept for a while under (conversation id, number of
//! messages), so a request with `Last-Event-ID` continues the same answer (a real model would
//! not say the same thing twice).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long an answer stays resumable.
const KEEP: Duration = Duration::from_secs(10 * 60);
/// At most this many answers, and this many bytes of answer text, are kept (oldest evicted).
const MAX_ANSWERS: usize = 1000;
const MAX_BYTES: usize = 64 << 20;

/// A conversation id and the number of messages the request carried (one key per turn).
type Key = (String, usize);

struct Kept {
    tokens: Arc<Vec<String>>,
    bytes: usize,
    at: Instant,
    /// Insertion order (instants can tie).
    seq: u64,
}

#[derive(Default)]
struct Inner {
    kept: HashMap<Key, Kept>,
    next_seq: u64,
}

/// What [`Answers::answer`] hands back.
pub struct Answer {
    pub tokens: Arc<Vec<String>>,
    /// No earlier request for this turn is remembered (`mode=drop` cuts only these).
    pub first: bool,
}

/// Shared by all handlers (cheap to clone).
#[derive(Clone, Default)]
pub struct Answers(Arc<Mutex<Inner>>);

impl Answers {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The answer for this turn: when `resuming`, the kept one if there is one; otherwise
    /// (or when it has expired) `fresh()`, which is kept from now on.
    pub fn answer(
        &self,
        conversation: &str,
        messages: usize,
        resuming: bool,
        fresh: impl FnOnce() -> Vec<String>,
    ) -> Answer {
        let now = Instant::now();
        let mut inner = self.lock();
        inner.next_seq += 1;
        let seq = inner.next_seq;
        let kept = &mut inner.kept;
        kept.retain(|_, answer| now.duration_since(answer.at) < KEEP);
        let key = (conversation.to_owned(), messages);
        let first = !kept.contains_key(&key);
        if resuming {
            if let Some(answer) = kept.get(&key) {
                return Answer {
                    tokens: Arc::clone(&answer.tokens),
                    first,
                };
            }
        }
        let tokens = Arc::new(fresh());
        let bytes = key.0.len() + tokens.iter().map(String::len).sum::<usize>();
        kept.insert(
            key,
            Kept {
                tokens: Arc::clone(&tokens),
                bytes,
                at: now,
                seq,
            },
        );
        evict(kept);
        Answer { tokens, first }
    }
}

/// Drops the oldest answers until both bounds hold (the newest one always stays).
fn evict(kept: &mut HashMap<Key, Kept>) {
    let mut total: usize = kept.values().map(|answer| answer.bytes).sum();
    while kept.len() > 1 && (kept.len() > MAX_ANSWERS || total > MAX_BYTES) {
        let oldest = kept
            .iter()
            .min_by_key(|(_, answer)| answer.seq)
            .map(|(key, _)| key.clone())
            .expect("not empty");
        if let Some(answer) = kept.remove(&oldest) {
            total -= answer.bytes;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn a_resume_gets_the_kept_answer_and_a_new_request_a_fresh_one() {
        let answers = Answers::default();
        let first = answers.answer("c", 1, false, || words("a b"));
        assert!(first.first);
        let resumed = answers.answer("c", 1, true, || words("other"));
        assert!(!resumed.first);
        assert_eq!(*resumed.tokens, words("a b"));
        let again = answers.answer("c", 1, false, || words("new"));
        assert!(!again.first);
        assert_eq!(*again.tokens, words("new"));
        let next_turn = answers.answer("c", 3, true, || words("turn 2"));
        assert!(next_turn.first);
        assert_eq!(*next_turn.tokens, words("turn 2"));
    }

    #[test]
    fn the_oldest_answers_are_evicted() {
        let answers = Answers::default();
        for i in 0..=MAX_ANSWERS {
            answers.answer(&i.to_string(), 1, false, || words("x"));
        }
        assert_eq!(answers.lock().kept.len(), MAX_ANSWERS);
        assert!(answers.answer("0", 1, true, Vec::new).first);
        assert!(
            !answers
                .answer(&MAX_ANSWERS.to_string(), 1, true, Vec::new)
                .first
        );
    }
}
