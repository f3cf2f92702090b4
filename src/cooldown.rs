//! Limits on public posts: the same content shared in one channel again too soon, and one person
//! posting publicly too often. Pure logic over an injected clock, memory only.
//!
//! Public posts are what a watched community sees; a burst of identical shares or one account
//! flooding a channel helps nobody, so the second sharer sees the content privately instead.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Whether a public post may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Post it publicly; it has been recorded.
    Allow,
    /// The same content was posted in this channel within the cooldown: answer privately.
    RecentlyShared,
    /// This person reached their public posts for the window: answer privately.
    UserLimit,
}

/// Tracks recent public posts per (channel, content) and per person.
///
/// Entries expire on their own as time passes; nothing is written anywhere, so a restart
/// forgets everything, which is acceptable for a rate limit. Memory is bounded twice: by time
/// (expired entries leave in the order they arrived, so each check does only the work of what
/// expired, not a sweep of everything) and by count ([`MAX_ENTRIES`] of each kind; past that the
/// oldest is forgotten, which lifts a limit early rather than refusing everyone).
#[derive(Debug)]
pub struct ShareLimiter {
    cooldown: Duration,
    posts_per_window: u32,
    window: Duration,
    /// Last public post of a piece of content in a channel.
    recent: HashMap<(u64, String), Instant>,
    /// The same posts in the order they were made, to expire them oldest first.
    recent_order: VecDeque<(Instant, (u64, String))>,
    /// Times of each person's public posts within the window, oldest first.
    per_user: HashMap<u64, VecDeque<Instant>>,
    /// Every person's posts in the order they were made.
    user_order: VecDeque<(Instant, u64)>,
}

/// At most this many (channel, content) entries, and this many per-person posts, are held.
pub const MAX_ENTRIES: usize = 65_536;

impl ShareLimiter {
    /// A limiter: content may be posted once per `cooldown` per channel, and each person may
    /// post `posts_per_window` times per `window` (0 means never publicly).
    pub fn new(cooldown: Duration, posts_per_window: u32, window: Duration) -> Self {
        ShareLimiter {
            cooldown,
            posts_per_window,
            window,
            recent: HashMap::new(),
            recent_order: VecDeque::new(),
            per_user: HashMap::new(),
            user_order: VecDeque::new(),
        }
    }

    /// Decides whether `user` may post `content` (a stable key of what is shown, such as a
    /// share button's `custom_id`) publicly in `channel` at `now`, and records the post if so.
    ///
    /// `content` is `None` for replies with no stable identity (a random quote, a "not sure"
    /// reply): only the per-person limit applies to them.
    pub fn check(
        &mut self,
        now: Instant,
        channel: u64,
        user: u64,
        content: Option<&str>,
    ) -> Decision {
        self.expire(now);
        if let Some(content) = content {
            if let Some(at) = self.recent.get(&(channel, content.to_owned())) {
                if now.saturating_duration_since(*at) < self.cooldown {
                    return Decision::RecentlyShared;
                }
            }
        }
        let posts = self.per_user.entry(user).or_default();
        if posts.len() >= self.posts_per_window as usize {
            return Decision::UserLimit;
        }
        posts.push_back(now);
        self.user_order.push_back((now, user));
        if let Some(content) = content {
            if !self.cooldown.is_zero() {
                let key = (channel, content.to_owned());
                self.recent.insert(key.clone(), now);
                self.recent_order.push_back((now, key));
            }
        }
        self.bound();
        Decision::Allow
    }

    /// Number of entries held, for tests and to show that memory does not grow without bound.
    pub fn len(&self) -> usize {
        self.recent.len() + self.per_user.values().map(VecDeque::len).sum::<usize>()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops entries older than their window, oldest first, so memory stays bounded by recent
    /// activity and each call does only the work of what expired.
    fn expire(&mut self, now: Instant) {
        while let Some((at, _)) = self.recent_order.front() {
            if now.saturating_duration_since(*at) < self.cooldown {
                break;
            }
            self.drop_oldest_recent();
        }
        while let Some((at, _)) = self.user_order.front() {
            if now.saturating_duration_since(*at) < self.window {
                break;
            }
            self.drop_oldest_post();
        }
    }

    /// Forgets the oldest entries beyond [`MAX_ENTRIES`].
    fn bound(&mut self) {
        while self.recent_order.len() > MAX_ENTRIES {
            self.drop_oldest_recent();
        }
        while self.user_order.len() > MAX_ENTRIES {
            self.drop_oldest_post();
        }
    }

    fn drop_oldest_recent(&mut self) {
        if let Some((at, key)) = self.recent_order.pop_front() {
            // A later post of the same content renewed the entry: that one stays.
            if self.recent.get(&key) == Some(&at) {
                self.recent.remove(&key);
            }
        }
    }

    fn drop_oldest_post(&mut self) {
        if let Some((_, user)) = self.user_order.pop_front() {
            if let Some(posts) = self.per_user.get_mut(&user) {
                posts.pop_front();
                if posts.is_empty() {
                    self.per_user.remove(&user);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter() -> (ShareLimiter, Instant) {
        (
            ShareLimiter::new(Duration::from_secs(600), 3, Duration::from_secs(60)),
            Instant::now(),
        )
    }

    #[test]
    fn same_content_same_channel_within_cooldown_is_refused() {
        let (mut l, t0) = limiter();
        assert_eq!(l.check(t0, 1, 10, Some("share:a:x")), Decision::Allow);
        let later = t0 + Duration::from_secs(599);
        assert_eq!(
            l.check(later, 1, 11, Some("share:a:x")),
            Decision::RecentlyShared
        );
    }

    #[test]
    fn same_content_after_cooldown_or_elsewhere_is_allowed() {
        let (mut l, t0) = limiter();
        assert_eq!(l.check(t0, 1, 10, Some("share:a:x")), Decision::Allow);
        assert_eq!(l.check(t0, 2, 11, Some("share:a:x")), Decision::Allow);
        assert_eq!(l.check(t0, 1, 11, Some("share:a:y")), Decision::Allow);
        let after = t0 + Duration::from_secs(600);
        assert_eq!(l.check(after, 1, 12, Some("share:a:x")), Decision::Allow);
    }

    #[test]
    fn refused_share_does_not_count_against_the_person() {
        let (mut l, t0) = limiter();
        assert_eq!(l.check(t0, 1, 10, Some("k")), Decision::Allow);
        for _ in 0..5 {
            assert_eq!(l.check(t0, 1, 11, Some("k")), Decision::RecentlyShared);
        }
        assert_eq!(l.check(t0, 1, 11, Some("other")), Decision::Allow);
    }

    #[test]
    fn per_person_limit_applies_within_the_window_and_then_lifts() {
        let (mut l, t0) = limiter();
        for i in 0..3 {
            assert_eq!(l.check(t0, 1, 10, Some(&format!("c{i}"))), Decision::Allow);
        }
        assert_eq!(l.check(t0, 1, 10, Some("c3")), Decision::UserLimit);
        assert_eq!(l.check(t0, 1, 10, None), Decision::UserLimit);
        // Someone else is not affected.
        assert_eq!(l.check(t0, 1, 20, None), Decision::Allow);
        let later = t0 + Duration::from_secs(60);
        assert_eq!(l.check(later, 1, 10, Some("c3")), Decision::Allow);
    }

    #[test]
    fn zero_posts_means_never_public() {
        let mut l = ShareLimiter::new(Duration::ZERO, 0, Duration::from_secs(60));
        assert_eq!(l.check(Instant::now(), 1, 10, None), Decision::UserLimit);
    }

    #[test]
    fn zero_cooldown_never_refuses_for_content() {
        let mut l = ShareLimiter::new(Duration::ZERO, 10, Duration::from_secs(60));
        let t0 = Instant::now();
        assert_eq!(l.check(t0, 1, 10, Some("k")), Decision::Allow);
        assert_eq!(l.check(t0, 1, 11, Some("k")), Decision::Allow);
    }

    /// Time alone used to bound the maps: a burst of distinct shares within the cooldown grew
    /// them without limit.
    #[test]
    fn memory_is_bounded_by_count_within_the_window() {
        let mut l = ShareLimiter::new(
            Duration::from_secs(3600),
            u32::MAX,
            Duration::from_secs(3600),
        );
        let t0 = Instant::now();
        for i in 0..(MAX_ENTRIES + 500) {
            let channel = i as u64;
            assert_eq!(l.check(t0, channel, i as u64, Some("k")), Decision::Allow);
        }
        assert!(l.len() <= 2 * MAX_ENTRIES, "{} entries held", l.len());
        // The newest are the ones kept.
        let last = (MAX_ENTRIES + 499) as u64;
        assert_eq!(l.check(t0, last, 1, Some("k")), Decision::RecentlyShared);
        assert_eq!(l.check(t0, 0, 1, Some("k")), Decision::Allow);
    }

    #[test]
    fn a_renewed_share_outlives_its_first_expiry() {
        let mut l = ShareLimiter::new(Duration::from_secs(10), 100, Duration::from_secs(60));
        let t0 = Instant::now();
        assert_eq!(l.check(t0, 1, 10, Some("k")), Decision::Allow);
        let t1 = t0 + Duration::from_secs(10);
        assert_eq!(l.check(t1, 1, 11, Some("k")), Decision::Allow);
        // The first post's expiry must not take the renewed entry with it.
        let t2 = t0 + Duration::from_secs(15);
        assert_eq!(l.check(t2, 1, 12, Some("k")), Decision::RecentlyShared);
    }

    #[test]
    fn entries_expire() {
        let (mut l, t0) = limiter();
        l.check(t0, 1, 10, Some("k"));
        l.check(t0, 2, 11, None);
        assert_eq!(l.len(), 3);
        l.check(t0 + Duration::from_secs(3600), 3, 12, None);
        assert_eq!(l.len(), 1, "only the newest post remains");
    }
}
