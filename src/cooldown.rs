//! Limits on public posts: the same content shared in one channel again too soon, and one person
//! posting publicly too often. [`ShareLimiter`] is the pure logic over an injected clock, in
//! memory; [`Limiter`] is what the bot uses: that memory, or a Redis/Valkey server shared by
//! every replica (`state_url`), falling back to memory while the server cannot be reached.
//!
//! Public posts are what a watched community sees; a burst of identical shares or one account
//! flooding a channel helps nobody, so the second sharer sees the content privately instead.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use sha2::Sha256;

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

/// Environment variable holding the per-deployment secret that keys shared limits.
pub const SECRET_ENV: &str = "NIMBUS_STATE_SECRET";
/// Environment variable naming a file that holds that secret (for secret mounts).
pub const SECRET_FILE_ENV: &str = "NIMBUS_STATE_SECRET_FILE";
/// The shortest secret accepted, in bytes.
pub const MIN_SECRET_BYTES: usize = 16;
/// The longest one check may wait for the shared store before deciding from memory: an
/// interaction has 3 s in all, and a slow store must not spend them.
pub const STORE_TIME_LIMIT: Duration = Duration::from_millis(250);
/// After a failure, the store is not tried again for this long (no reconnect storm).
pub const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// The limits themselves, as `config.toml` gives them.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The same content again in one channel within this is refused.
    pub cooldown: Duration,
    /// Public posts per person per window.
    pub posts_per_window: u32,
    /// The per-person window.
    pub window: Duration,
}

/// Why shared limits cannot be set up (a setting a person must fix).
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// `state_url` is set but no secret is.
    #[error("state_url is set, so cooldowns are shared, but {SECRET_ENV} (or {SECRET_FILE_ENV}) is not: give every replica the same secret of at least {MIN_SECRET_BYTES} bytes, e.g. `head -c 32 /dev/urandom | base64`")]
    MissingSecret,
    /// The secret is too short or cannot be read.
    #[error("the shared-state secret ({0}) is unusable: {1}")]
    BadSecret(String, String),
    /// `state_url` is not a Redis URL.
    #[error("state_url: {0} (expected redis://host:port, rediss://… or redis+unix:///path)")]
    BadUrl(String),
}

/// Public-post limits over a store: this process's memory, or a shared Redis/Valkey server.
pub struct Limiter {
    limits: Limits,
    memory: Mutex<ShareLimiter>,
    shared: Option<Shared>,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter")
            .field("limits", &self.limits)
            .field("shared", &self.shared.is_some())
            .finish()
    }
}

/// Which store decided a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    /// This process's memory.
    Memory,
    /// The shared server.
    Shared,
}

impl Limiter {
    /// Limits kept in this process's memory only.
    pub fn memory(limits: Limits) -> Limiter {
        Limiter {
            memory: Mutex::new(ShareLimiter::new(
                limits.cooldown,
                limits.posts_per_window,
                limits.window,
            )),
            limits,
            shared: None,
        }
    }

    /// Limits shared through the Redis/Valkey server at `url`, keyed by HMACs under `secret`.
    /// Nothing is connected yet: the first check connects, so a server that is down at start
    /// does not keep the bot from answering.
    pub fn shared(limits: Limits, url: &str, secret: Vec<u8>) -> Result<Limiter, SetupError> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(SetupError::BadSecret(
                SECRET_ENV.to_owned(),
                format!(
                    "it is {} bytes; at least {MIN_SECRET_BYTES} are needed",
                    secret.len()
                ),
            ));
        }
        let client = redis::Client::open(url).map_err(|e| SetupError::BadUrl(e.to_string()))?;
        let mut limiter = Limiter::memory(limits);
        limiter.shared = Some(Shared {
            client,
            secret,
            connection: Mutex::new(None),
            retry_at: Mutex::new(None),
            down: AtomicBool::new(false),
            script: redis::Script::new(CHECK_SCRIPT),
        });
        Ok(limiter)
    }

    /// The limiter the settings ask for: shared when `state_url` is set (the secret from
    /// [`SECRET_ENV`] or the file named by [`SECRET_FILE_ENV`]), else memory.
    pub fn from_settings(limits: Limits, state_url: Option<&str>) -> Result<Limiter, SetupError> {
        let Some(url) = state_url.filter(|u| !u.trim().is_empty()) else {
            return Ok(Limiter::memory(limits));
        };
        Limiter::shared(limits, url, secret_from_env()?)
    }

    /// Why `url` cannot name a shared store, read without connecting (so `check` and a config
    /// load can say so at the setting), or `None` when it can.
    pub fn url_problem(url: &str) -> Option<String> {
        redis::Client::open(url)
            .err()
            .map(|e| SetupError::BadUrl(e.to_string()).to_string())
    }

    /// Whether a store is configured besides memory.
    pub fn is_shared(&self) -> bool {
        self.shared.is_some()
    }

    /// Decides whether `user` may post `content` publicly in `channel` now, and records the
    /// post if so (see [`ShareLimiter::check`]). Never fails: when the shared store cannot
    /// answer in time, this process's memory decides, and that is logged once per outage.
    pub async fn check(&self, channel: u64, user: u64, content: Option<&str>) -> (Decision, Store) {
        if let Some(shared) = &self.shared {
            if let Some(decision) = shared.check(&self.limits, channel, user, content).await {
                return (decision, Store::Shared);
            }
        }
        let decision = self
            .memory
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .check(Instant::now(), channel, user, content);
        (decision, Store::Memory)
    }
}

/// Reads the secret from [`SECRET_ENV`], else the file named by [`SECRET_FILE_ENV`].
fn secret_from_env() -> Result<Vec<u8>, SetupError> {
    if let Some(secret) = std::env::var(SECRET_ENV)
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
    {
        return Ok(secret.into_bytes());
    }
    let Some(path) = std::env::var_os(SECRET_FILE_ENV).map(PathBuf::from) else {
        return Err(SetupError::MissingSecret);
    };
    match std::fs::read(&path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            Ok(text.trim().as_bytes().to_vec())
        }
        Err(e) => Err(SetupError::BadSecret(
            path.display().to_string(),
            e.to_string(),
        )),
    }
}

/// One atomic check-and-record on the server, with the server's clock (replicas' clocks may
/// differ). Returns 0 allow, 1 recently shared, 2 person's limit.
/// KEYS[1] the content in this channel, KEYS[2] the person; ARGV: cooldown ms, posts per
/// window, window ms, a nonce (two posts in one microsecond are two posts), whether there is
/// content.
const CHECK_SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cooldown = tonumber(ARGV[1])
local content = ARGV[5] == '1' and cooldown > 0
if content and redis.call('EXISTS', KEYS[1]) == 1 then return 1 end
local window = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then return 2 end
if window > 0 then
  redis.call('ZADD', KEYS[2], now, t[1] .. '.' .. t[2] .. '.' .. ARGV[4])
  redis.call('PEXPIRE', KEYS[2], window)
end
if content then redis.call('SET', KEYS[1], '1', 'PX', cooldown) end
return 0
";

/// The shared store: a Redis client, its connection when there is one, and whether it is down.
struct Shared {
    client: redis::Client,
    secret: Vec<u8>,
    connection: Mutex<Option<redis::aio::MultiplexedConnection>>,
    /// No reconnect before this, after a failure.
    retry_at: Mutex<Option<Instant>>,
    /// Whether the last attempt failed (so the outage is logged once, and the recovery too).
    down: AtomicBool,
    script: redis::Script,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Shared {
    /// The key of `parts` under the secret: nothing stored names a person, a channel or what
    /// was shared, and without the secret the keys cannot be matched to ids.
    fn key(&self, kind: &str, parts: &[&[u8]]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.secret)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(kind.as_bytes());
        for part in parts {
            // Lengths first, so that ("ab", "c") and ("a", "bc") differ.
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        let digest = mac.finalize().into_bytes();
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!("nimbus:{kind}:{hex}")
    }

    async fn check(
        &self,
        limits: &Limits,
        channel: u64,
        user: u64,
        content: Option<&str>,
    ) -> Option<Decision> {
        let result = tokio::time::timeout(
            STORE_TIME_LIMIT,
            self.try_check(limits, channel, user, content),
        )
        .await;
        let failure = match result {
            Ok(Ok(Some(decision))) => {
                if self.down.swap(false, Ordering::Relaxed) {
                    tracing::info!(target: "nimbus::state", "shared state reachable again: cooldowns are shared between replicas");
                }
                return Some(decision);
            }
            // Waiting out the pause after a failure: memory decides, nothing new to log.
            Ok(Ok(None)) => return None,
            Ok(Err(error)) => error.to_string(),
            Err(_) => format!("no answer within {} ms", STORE_TIME_LIMIT.as_millis()),
        };
        *lock(&self.connection) = None;
        *lock(&self.retry_at) = Some(Instant::now() + RECONNECT_AFTER);
        if !self.down.swap(true, Ordering::Relaxed) {
            tracing::warn!(target: "nimbus::state", problem = %failure, "shared state unreachable: cooldowns fall back to this process's memory until it returns");
        }
        None
    }

    /// `Ok(None)` while waiting to reconnect.
    async fn try_check(
        &self,
        limits: &Limits,
        channel: u64,
        user: u64,
        content: Option<&str>,
    ) -> redis::RedisResult<Option<Decision>> {
        let existing = lock(&self.connection).clone();
        let mut connection = match existing {
            Some(connection) => connection,
            None => {
                if lock(&self.retry_at).is_some_and(|at| Instant::now() < at) {
                    return Ok(None);
                }
                let connection = self.client.get_multiplexed_async_connection().await?;
                *lock(&self.connection) = Some(connection.clone());
                connection
            }
        };
        let content_key = self.key(
            "share",
            &[&channel.to_be_bytes(), content.unwrap_or("").as_bytes()],
        );
        let person_key = self.key("posts", &[&user.to_be_bytes()]);
        let code: i64 = self
            .script
            .key(content_key)
            .key(person_key)
            .arg(limits.cooldown.as_millis() as u64)
            .arg(limits.posts_per_window)
            .arg(limits.window.as_millis() as u64)
            .arg(fastrand::u64(..))
            .arg(if content.is_some() { "1" } else { "0" })
            .invoke_async(&mut connection)
            .await?;
        Ok(Some(match code {
            0 => Decision::Allow,
            1 => Decision::RecentlyShared,
            _ => Decision::UserLimit,
        }))
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

    fn limits() -> Limits {
        Limits {
            cooldown: Duration::from_secs(600),
            posts_per_window: 2,
            window: Duration::from_secs(60),
        }
    }

    #[test]
    fn shared_keys_name_no_id_and_depend_on_the_secret() {
        let a = Limiter::shared(limits(), "redis://127.0.0.1:1/", vec![7; 32]).expect("limiter");
        let b = Limiter::shared(limits(), "redis://127.0.0.1:1/", vec![8; 32]).expect("limiter");
        let (a, b) = (a.shared.expect("shared"), b.shared.expect("shared"));
        let user = 987_654_321_012_345_678u64;
        let key = a.key("posts", &[&user.to_be_bytes()]);
        assert!(key.starts_with("nimbus:posts:"), "{key}");
        assert!(!key.contains(&user.to_string()), "{key}");
        assert_eq!(key, a.key("posts", &[&user.to_be_bytes()]), "stable");
        assert_ne!(
            key,
            b.key("posts", &[&user.to_be_bytes()]),
            "secret matters"
        );
        assert_ne!(
            a.key("share", &[b"ab", b"c"]),
            a.key("share", &[b"a", b"bc"])
        );
    }

    #[test]
    fn short_secret_or_bad_url_is_refused() {
        assert!(matches!(
            Limiter::shared(limits(), "redis://127.0.0.1/", vec![1; 4]),
            Err(SetupError::BadSecret(..))
        ));
        assert!(matches!(
            Limiter::shared(limits(), "http://127.0.0.1/", vec![1; 32]),
            Err(SetupError::BadUrl(_))
        ));
    }

    /// Nothing listens on port 1: every check is decided from memory, quickly, and the
    /// limits still hold there.
    #[tokio::test]
    async fn unreachable_store_falls_back_to_memory() {
        let limiter =
            Limiter::shared(limits(), "redis://127.0.0.1:1/", vec![7; 32]).expect("limiter");
        let started = Instant::now();
        assert_eq!(
            limiter.check(1, 10, Some("k")).await,
            (Decision::Allow, Store::Memory)
        );
        assert_eq!(
            limiter.check(1, 11, Some("k")).await,
            (Decision::RecentlyShared, Store::Memory)
        );
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
