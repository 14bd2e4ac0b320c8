//! The presence log: who is with the client, minute by minute. The therapist "will be present
//! and you will never be left alone" (the practice's own promise): leaving the room is refused
//! unless someone else stays or a named person takes over in the same entry.

use crate::UserId;
use time::OffsetDateTime;

crate::named_enum! {
    /// One change of who is in the room.
    pub enum Change {
        /// The session opens with this person in the room.
        Start = "start", "With the client from the start";
        /// Another person comes in (the first stays).
        Join = "join", "Came in";
        /// A person leaves while someone else stays.
        Leave = "leave", "Left the room";
        /// A person hands over to another and leaves.
        Handover = "handover", "Handed over";
        /// Everyone leaves because the session closed (discharge or early end).
        End = "end", "Session ended";
    }
}

/// Why a presence change cannot be recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PresenceRefused {
    /// Leaving would leave the client alone.
    WouldBeAlone,
    /// The person leaving or handing over is not in the room.
    NotInRoom,
    /// The person coming in (or taking over) is already in the room.
    AlreadyInRoom,
    /// A hand-over needs the person taking over.
    NoOneTakingOver,
    /// Nobody is recorded in the room yet (the session has not opened), or it has ended.
    NotRunning,
}

impl PresenceRefused {
    pub fn message(self) -> &'static str {
        match self {
            PresenceRefused::WouldBeAlone => {
                "The client cannot be left alone: choose who takes over before leaving the room."
            }
            PresenceRefused::NotInRoom => "That person is not recorded as in the room.",
            PresenceRefused::AlreadyInRoom => "That person is already in the room.",
            PresenceRefused::NoOneTakingOver => "Choose who takes over.",
            PresenceRefused::NotRunning => "The session is not running.",
        }
    }
}

/// One recorded change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub at: OffsetDateTime,
    pub change: Change,
    pub person: UserId,
    pub taking_over: Option<UserId>,
}

/// Who is in the room after `events`, in the order they came in.
pub fn in_room(events: &[Event]) -> Vec<UserId> {
    let mut room: Vec<UserId> = Vec::new();
    for e in events {
        match e.change {
            Change::Start | Change::Join => {
                if !room.contains(&e.person) {
                    room.push(e.person);
                }
            }
            Change::Leave => room.retain(|p| *p != e.person),
            Change::Handover => {
                room.retain(|p| *p != e.person);
                if let Some(t) = e.taking_over
                    && !room.contains(&t)
                {
                    room.push(t);
                }
            }
            Change::End => room.clear(),
        }
    }
    room
}

/// Whether `next` may follow `events`: the room is never empty while the session runs.
pub fn check(events: &[Event], next: &Event) -> Result<(), PresenceRefused> {
    let room = in_room(events);
    let started = events.iter().any(|e| e.change == Change::Start);
    let ended = events.iter().any(|e| e.change == Change::End);
    if ended {
        return Err(PresenceRefused::NotRunning);
    }
    match next.change {
        Change::Start if started => Err(PresenceRefused::AlreadyInRoom),
        Change::Start => Ok(()),
        _ if !started => Err(PresenceRefused::NotRunning),
        Change::Join if room.contains(&next.person) => Err(PresenceRefused::AlreadyInRoom),
        Change::Join => Ok(()),
        Change::Leave if !room.contains(&next.person) => Err(PresenceRefused::NotInRoom),
        Change::Leave if room.len() < 2 => Err(PresenceRefused::WouldBeAlone),
        Change::Leave => Ok(()),
        Change::Handover => match next.taking_over {
            None => Err(PresenceRefused::NoOneTakingOver),
            Some(_) if !room.contains(&next.person) => Err(PresenceRefused::NotInRoom),
            Some(t) if t == next.person || room.contains(&t) => Err(PresenceRefused::AlreadyInRoom),
            Some(_) => Ok(()),
        },
        Change::End => Ok(()),
    }
}

/// One person's unbroken stretch in the room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stretch {
    pub person: UserId,
    pub from: OffsetDateTime,
    /// `None`: still in the room.
    pub to: Option<OffsetDateTime>,
}

/// Each person's stretches in the room, in the order they began (the minute-by-minute record
/// and, later, the monitoring time a charge is made of).
pub fn stretches(events: &[Event]) -> Vec<Stretch> {
    let mut out: Vec<Stretch> = Vec::new();
    let close = |out: &mut Vec<Stretch>, person: UserId, at: OffsetDateTime| {
        if let Some(s) = out
            .iter_mut()
            .rev()
            .find(|s| s.person == person && s.to.is_none())
        {
            s.to = Some(at);
        }
    };
    for e in events {
        match e.change {
            Change::Start | Change::Join => out.push(Stretch {
                person: e.person,
                from: e.at,
                to: None,
            }),
            Change::Leave => close(&mut out, e.person, e.at),
            Change::Handover => {
                close(&mut out, e.person, e.at);
                if let Some(t) = e.taking_over {
                    out.push(Stretch {
                        person: t,
                        from: e.at,
                        to: None,
                    });
                }
            }
            Change::End => {
                let open: Vec<UserId> = out
                    .iter()
                    .filter(|s| s.to.is_none())
                    .map(|s| s.person)
                    .collect();
                for p in open {
                    close(&mut out, p, e.at);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    fn ev(minute: i64, change: Change, person: UserId, taking_over: Option<UserId>) -> Event {
        Event {
            at: datetime!(2026-12-02 10:00 UTC) + time::Duration::minutes(minute),
            change,
            person,
            taking_over,
        }
    }

    #[test]
    fn leaving_alone_is_refused_and_a_handover_is_not() {
        let (a, b) = (UserId::new(), UserId::new());
        let log = vec![ev(0, Change::Start, a, None)];
        assert_eq!(
            check(&log, &ev(30, Change::Leave, a, None)),
            Err(PresenceRefused::WouldBeAlone)
        );
        assert_eq!(
            check(&log, &ev(30, Change::Handover, a, None)),
            Err(PresenceRefused::NoOneTakingOver)
        );
        let hand = ev(30, Change::Handover, a, Some(b));
        assert_eq!(check(&log, &hand), Ok(()));
        let log = vec![log[0], hand];
        assert_eq!(in_room(&log), vec![b]);
        let s = stretches(&log);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].to, Some(hand.at));
        assert_eq!(s[1].person, b);
        assert_eq!(s[1].to, None);
    }

    #[test]
    fn a_second_person_may_leave_the_first_may_not_until_then() {
        let (a, b) = (UserId::new(), UserId::new());
        let log = vec![ev(0, Change::Start, a, None), ev(5, Change::Join, b, None)];
        assert_eq!(check(&log, &ev(10, Change::Leave, a, None)), Ok(()));
        assert_eq!(
            check(&log, &ev(10, Change::Join, b, None)),
            Err(PresenceRefused::AlreadyInRoom)
        );
        let ended = [log.clone(), vec![ev(60, Change::End, a, None)]].concat();
        assert!(in_room(&ended).is_empty());
        assert!(stretches(&ended).iter().all(|s| s.to.is_some()));
        assert_eq!(
            check(&ended, &ev(61, Change::Join, a, None)),
            Err(PresenceRefused::NotRunning)
        );
    }

    proptest! {
        /// Whatever is tried, a log built only from accepted changes never leaves the client
        /// alone between its start and its end.
        #[test]
        fn accepted_changes_never_leave_the_client_alone(
            tries in proptest::collection::vec((0u8..5, 0usize..3, 0usize..3), 1..40)
        ) {
            let people = [UserId::new(), UserId::new(), UserId::new()];
            let mut log = vec![ev(0, Change::Start, people[0], None)];
            for (i, (c, p, t)) in tries.into_iter().enumerate() {
                let change = [Change::Join, Change::Leave, Change::Handover, Change::Start, Change::Leave][c as usize];
                let next = ev(i as i64 + 1, change, people[p], Some(people[t]));
                if check(&log, &next).is_ok() {
                    log.push(next);
                    prop_assert!(!in_room(&log).is_empty());
                }
            }
        }
    }
}
