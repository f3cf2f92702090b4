//! Finished cards kept in memory, least recently used first out, bounded in bytes: a card
//! pressed twice is drawn once. Keyed by bank version, so an edited quote is drawn again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{render, Card, CardError, CardSize, CardStyle};
use crate::bank::{Bank, Language, Quote};

/// What a card depends on besides the style (one cache serves one style).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    version: u64,
    quote: String,
    lang: String,
    size: CardSize,
}

struct Entry {
    card: Result<Arc<Card>, CardError>,
    used: u64,
    bytes: usize,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<Key, Entry>,
    clock: u64,
    bytes: usize,
}

/// An LRU of cards for one [`CardStyle`], at most `budget` bytes of PNG.
pub struct CardCache {
    style: CardStyle,
    budget: usize,
    inner: Mutex<Inner>,
}

/// What a refusal costs in the budget (it holds no image).
const REFUSAL_BYTES: usize = 64;

impl CardCache {
    /// A cache drawing with `style`, holding at most `budget` bytes of cards.
    pub fn new(style: CardStyle, budget: usize) -> Self {
        CardCache {
            style,
            budget,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The style cards are drawn with.
    pub fn style(&self) -> &CardStyle {
        &self.style
    }

    /// Bytes of cards held now.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    /// Number of cards (and refusals) held now.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The card of `quote` for `lang` at `size` from this bank version: from memory when it
    /// was drawn before, else drawn now (outside the lock) and kept.
    pub fn get(
        &self,
        bank: &Bank,
        quote: &Quote,
        lang: &Language,
        size: CardSize,
    ) -> Result<Arc<Card>, CardError> {
        let key = Key {
            version: bank.version,
            quote: quote.id.clone(),
            lang: lang.code.clone(),
            size,
        };
        {
            let mut inner = self.lock();
            inner.clock += 1;
            let now = inner.clock;
            if let Some(entry) = inner.entries.get_mut(&key) {
                entry.used = now;
                return entry.card.clone();
            }
        }
        let card = render(bank, quote, lang, size, &self.style).map(Arc::new);
        if card.is_ok() {
            crate::metrics::card_rendered();
        }
        let bytes = match &card {
            Ok(card) => card.png.len() + card.alt.len() + 128,
            Err(_) => REFUSAL_BYTES,
        };
        if bytes > self.budget {
            return card;
        }
        let mut inner = self.lock();
        inner.clock += 1;
        let used = inner.clock;
        if let Some(old) = inner.entries.insert(
            key,
            Entry {
                card: card.clone(),
                used,
                bytes,
            },
        ) {
            inner.bytes -= old.bytes;
        }
        inner.bytes += bytes;
        while inner.bytes > self.budget {
            let Some(oldest) = inner
                .entries
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(gone) = inner.entries.remove(&oldest) {
                inner.bytes -= gone.bytes;
            }
        }
        card
    }
}
