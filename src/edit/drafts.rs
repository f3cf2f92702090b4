//! Drafts and proposals: changes waiting for a button, kept in memory only.
//!
//! A draft is what a moderator typed into a form, between the submit and Publish (or Cancel).
//! It lives under an unguessable id (128 random bits), belongs to the person who opened it,
//! expires after a while, and each person has only a few: the oldest goes when they open one
//! more. A proposal is a draft waiting for a second moderator under the two-person rule; only
//! someone other than the proposer can approve it, and it expires too. Nothing here is written
//! to disk: a restart forgets both, which is the safe direction (nothing gets published).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::Pending;

/// Someone acting on the bank from Discord.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Their Discord user id (kept in memory only, to check who may press a button).
    pub id: u64,
    /// Their Discord username, for the history when `editor_identity = "username"`.
    pub name: String,
}

/// A change being prepared by one person.
#[derive(Debug, Clone)]
pub struct Draft {
    /// Its id, as carried by the form and the buttons.
    pub id: String,
    /// Who opened it; nobody else can use it.
    pub owner: Person,
    /// The change.
    pub pending: Pending,
    touched: Instant,
}

/// Why a draft or proposal cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// Unknown, expired, published or cancelled.
    Gone,
    /// It belongs to someone else.
    NotYours,
}

/// Drafts in memory.
#[derive(Debug)]
pub struct Drafts {
    ttl: Duration,
    per_person: usize,
    max: usize,
    drafts: HashMap<String, Draft>,
}

impl Drafts {
    /// A store whose drafts live `ttl` after their last use, at most `per_person` per person
    /// and `max` in all.
    pub fn new(ttl: Duration, per_person: usize, max: usize) -> Drafts {
        Drafts {
            ttl,
            per_person: per_person.max(1),
            max: max.max(1),
            drafts: HashMap::new(),
        }
    }

    /// Keeps a new draft and returns its id; the owner's oldest goes if they have too many.
    pub fn insert(&mut self, now: Instant, owner: Person, pending: Pending) -> String {
        self.sweep(now);
        let mine: Vec<(Instant, String)> = self
            .drafts
            .values()
            .filter(|d| d.owner.id == owner.id)
            .map(|d| (d.touched, d.id.clone()))
            .collect();
        evict_oldest(&mut self.drafts, mine, self.per_person - 1);
        let all: Vec<(Instant, String)> = self
            .drafts
            .values()
            .map(|d| (d.touched, d.id.clone()))
            .collect();
        evict_oldest(&mut self.drafts, all, self.max - 1);
        let id = super::token();
        self.drafts.insert(
            id.clone(),
            Draft {
                id: id.clone(),
                owner,
                pending,
                touched: now,
            },
        );
        id
    }

    /// The draft `id` for `person`, its lifetime renewed.
    pub fn get(&mut self, now: Instant, id: &str, person: u64) -> Result<&mut Draft, Unavailable> {
        self.sweep(now);
        let draft = self.drafts.get_mut(id).ok_or(Unavailable::Gone)?;
        if draft.owner.id != person {
            return Err(Unavailable::NotYours);
        }
        draft.touched = now;
        Ok(draft)
    }

    /// Takes the draft `id` out (Publish, Cancel), if it is `person`'s.
    pub fn take(&mut self, now: Instant, id: &str, person: u64) -> Result<Draft, Unavailable> {
        self.get(now, id, person)?;
        self.drafts.remove(id).ok_or(Unavailable::Gone)
    }

    /// Number of live drafts.
    pub fn len(&self) -> usize {
        self.drafts.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.drafts.is_empty()
    }

    fn sweep(&mut self, now: Instant) {
        let ttl = self.ttl;
        self.drafts
            .retain(|_, d| now.saturating_duration_since(d.touched) < ttl);
    }
}

/// Removes the oldest of `items` from `map` until at most `keep` remain.
fn evict_oldest<T>(map: &mut HashMap<String, T>, mut items: Vec<(Instant, String)>, keep: usize) {
    if items.len() <= keep {
        return;
    }
    items.sort();
    for (_, id) in items.iter().take(items.len() - keep) {
        map.remove(id);
    }
}

/// A change waiting for a second moderator.
#[derive(Debug, Clone)]
pub struct Proposal {
    /// Its id, as carried by the Approve and Reject buttons.
    pub id: String,
    /// Who proposed it.
    pub proposer: Person,
    /// The change.
    pub pending: Pending,
    /// One line saying what it changes.
    pub summary: String,
    /// The review channel message showing it, once posted: (channel, message).
    pub message: Option<(u64, u64)>,
    created: Instant,
}

/// What a reviewer decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Publish it.
    Approve,
    /// Drop it (the proposer may withdraw their own).
    Reject,
}

/// Proposals in memory.
#[derive(Debug)]
pub struct Queue {
    ttl: Duration,
    max: usize,
    proposals: HashMap<String, Proposal>,
}

impl Queue {
    /// A queue whose proposals expire `ttl` after they are made, at most `max` at a time.
    pub fn new(ttl: Duration, max: usize) -> Queue {
        Queue {
            ttl,
            max: max.max(1),
            proposals: HashMap::new(),
        }
    }

    /// Keeps a proposal and returns its id (the oldest goes when the queue is full; it is
    /// reported by [`Queue::expired`] like an expired one).
    pub fn propose(
        &mut self,
        now: Instant,
        proposer: Person,
        pending: Pending,
        summary: String,
    ) -> String {
        let id = super::token();
        self.proposals.insert(
            id.clone(),
            Proposal {
                id: id.clone(),
                proposer,
                pending,
                summary,
                message: None,
                created: now,
            },
        );
        id
    }

    /// Notes where the proposal is shown.
    pub fn set_message(&mut self, id: &str, channel: u64, message: u64) {
        if let Some(p) = self.proposals.get_mut(id) {
            p.message = Some((channel, message));
        }
    }

    /// The proposal `id` without taking it.
    pub fn get(&self, now: Instant, id: &str) -> Option<&Proposal> {
        self.proposals
            .get(id)
            .filter(|p| now.saturating_duration_since(p.created) < self.ttl)
    }

    /// Takes the proposal out for a decision by `person`. Nobody approves their own proposal;
    /// they may reject (withdraw) it.
    pub fn decide(
        &mut self,
        now: Instant,
        id: &str,
        person: u64,
        decision: Decision,
    ) -> Result<Proposal, Unavailable> {
        let proposal = self.get(now, id).ok_or(Unavailable::Gone)?;
        if decision == Decision::Approve && proposal.proposer.id == person {
            return Err(Unavailable::NotYours);
        }
        self.proposals.remove(id).ok_or(Unavailable::Gone)
    }

    /// Takes out every proposal that expired (or overflowed the queue), to tell their proposers.
    pub fn expired(&mut self, now: Instant) -> Vec<Proposal> {
        let ttl = self.ttl;
        let mut gone: Vec<Proposal> = Vec::new();
        let ids: Vec<String> = self
            .proposals
            .values()
            .filter(|p| now.saturating_duration_since(p.created) >= ttl)
            .map(|p| p.id.clone())
            .collect();
        for id in ids {
            gone.extend(self.proposals.remove(&id));
        }
        if self.proposals.len() > self.max {
            let mut by_age: Vec<(Instant, String)> = self
                .proposals
                .values()
                .map(|p| (p.created, p.id.clone()))
                .collect();
            by_age.sort();
            let excess = self.proposals.len() - self.max;
            for (_, id) in by_age.into_iter().take(excess) {
                gone.extend(self.proposals.remove(&id));
            }
        }
        gone
    }

    /// Number of waiting proposals.
    pub fn len(&self) -> usize {
        self.proposals.len()
    }

    /// Whether none are waiting.
    pub fn is_empty(&self) -> bool {
        self.proposals.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Op, Pending};
    use super::*;
    use crate::edit::Kind;

    fn person(id: u64) -> Person {
        Person {
            id,
            name: format!("user{id}"),
        }
    }

    fn pending() -> Pending {
        Pending {
            op: Op::Remove {
                kind: Kind::Answer,
                id: "x".into(),
            },
            base: None,
        }
    }

    #[test]
    fn drafts_belong_to_their_owner_and_expire() {
        let t0 = Instant::now();
        let mut drafts = Drafts::new(Duration::from_secs(60), 3, 100);
        let id = drafts.insert(t0, person(1), pending());
        assert_eq!(id.len(), 32);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(id, drafts.insert(t0, person(2), pending()), "ids differ");
        assert_eq!(drafts.get(t0, &id, 2).err(), Some(Unavailable::NotYours));
        assert!(drafts.get(t0 + Duration::from_secs(50), &id, 1).is_ok());
        // Use renews the lifetime.
        assert!(drafts.get(t0 + Duration::from_secs(100), &id, 1).is_ok());
        assert_eq!(
            drafts.get(t0 + Duration::from_secs(161), &id, 1).err(),
            Some(Unavailable::Gone)
        );
        assert_eq!(drafts.get(t0, "0123", 1).err(), Some(Unavailable::Gone));
    }

    #[test]
    fn each_person_keeps_a_few_drafts_and_the_store_is_bounded() {
        let t0 = Instant::now();
        let mut drafts = Drafts::new(Duration::from_secs(600), 2, 5);
        let first = drafts.insert(t0, person(1), pending());
        let second = drafts.insert(t0 + Duration::from_secs(1), person(1), pending());
        let third = drafts.insert(t0 + Duration::from_secs(2), person(1), pending());
        let now = t0 + Duration::from_secs(3);
        assert_eq!(
            drafts.get(now, &first, 1).err(),
            Some(Unavailable::Gone),
            "oldest went"
        );
        assert!(drafts.get(now, &second, 1).is_ok() && drafts.get(now, &third, 1).is_ok());
        for i in 0..10 {
            drafts.insert(now, person(100 + i), pending());
        }
        assert_eq!(drafts.len(), 5);
        let mine = drafts.insert(now, person(7), pending());
        assert_eq!(
            drafts.take(now, &mine, 8).err(),
            Some(Unavailable::NotYours)
        );
        assert!(drafts.take(now, &mine, 7).is_ok());
        assert_eq!(drafts.take(now, &mine, 7).err(), Some(Unavailable::Gone));
    }

    #[test]
    fn only_another_person_approves_and_proposals_expire() {
        let t0 = Instant::now();
        let mut queue = Queue::new(Duration::from_secs(3600), 10);
        let id = queue.propose(t0, person(1), pending(), "edit x".into());
        assert_eq!(
            queue.decide(t0, &id, 1, Decision::Approve).err(),
            Some(Unavailable::NotYours)
        );
        assert_eq!(queue.len(), 1, "a refused self-approval leaves it waiting");
        let approved = queue
            .decide(t0, &id, 2, Decision::Approve)
            .expect("approved");
        assert_eq!(approved.proposer.id, 1);
        assert_eq!(
            queue.decide(t0, &id, 3, Decision::Approve).err(),
            Some(Unavailable::Gone)
        );

        let withdrawn = queue.propose(t0, person(1), pending(), "x".into());
        assert!(queue.decide(t0, &withdrawn, 1, Decision::Reject).is_ok());

        let old = queue.propose(t0, person(1), pending(), "x".into());
        let later = t0 + Duration::from_secs(3600);
        assert_eq!(
            queue.decide(later, &old, 2, Decision::Approve).err(),
            Some(Unavailable::Gone)
        );
        let expired = queue.expired(later);
        assert_eq!(expired.len(), 1);
        assert_eq!(expired[0].id, old);
        assert!(queue.is_empty());
    }
}
