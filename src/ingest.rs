//! The response writer: a thread (on PostgreSQL, `MINYI_WRITERS` of them, one by default) that
//! takes every response waiting, stores the group in one transaction, and only then tells each
//! submitter its outcome.
//!
//! Why: with SQLite every commit is an fsync and only one connection may write at a time, so a
//! pool of writers mostly waits for the lock and pays one fsync per response. Grouping pays one
//! fsync per group and keeps the lock with one thread. PostgreSQL gains too: its row locks would
//! let several writers work side by side, but one writer makes the largest groups and so the
//! fewest commits, which under load cost the database server less than parallel ones save
//! (issue 8: four writers against one, 94k against 128k responses in 8 s).
//!
//! Acknowledgement comes only after the commit returned, so a 303 always names a durable row.

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::storage::{self, Conn, Database, DatabaseUrl, InsertOutcome, StorageError, Submission};

/// The most responses stored in one transaction.
const MAX_GROUP: usize = 512;

type Reply = oneshot::Sender<Result<InsertOutcome, IngestError>>;

/// A submission waiting for a writer, with the submitter's claim on it and its place in the
/// in-flight count (held until the writer is done with it, whatever the submitter did).
struct Job {
    submission: Submission,
    reply: Reply,
    claim: Arc<Claim>,
    _counted: InFlight,
}

/// Who a queued submission belongs to, settled once: a writer that takes it into a group, or
/// its submitter, who gave up waiting. A submission given up on is never stored, so the
/// resident told "not saved" is right; one taken may be stored, and they are told that.
struct Claim(AtomicU8);

impl Claim {
    const WAITING: u8 = 0;
    const TAKEN: u8 = 1;
    const GIVEN_UP: u8 = 2;

    fn new() -> Claim {
        Claim(AtomicU8::new(Claim::WAITING))
    }

    /// The writer's claim: whether the submission is still wanted.
    fn take(&self) -> bool {
        self.settle(Claim::TAKEN)
    }

    /// The submitter's: whether the writer had not taken it yet (so it will not be stored).
    fn give_up(&self) -> bool {
        self.settle(Claim::GIVEN_UP)
    }

    fn settle(&self, to: u8) -> bool {
        self.0
            .compare_exchange(Claim::WAITING, to, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// More submissions are waiting than the queue holds: the resident should retry shortly.
    #[error("the response queue is full")]
    Busy,
    /// The writer stopped (the process is shutting down).
    #[error("the response writer has stopped")]
    Stopped,
    /// The writer could not get a database connection.
    #[error("the response writer has no database connection: {0}")]
    NoConnection(String),
    /// A newer Minyi upgraded the database under this process, whose rows would not be the
    /// ones that build writes: the resident is sent back to submit again, to a current node.
    #[error("this process no longer stores responses: {0}")]
    OutOfDate(String),
    /// The writer did not answer in time, and had not taken the submission: it is not stored.
    #[error("the response writer did not answer within {} s; the submission was withdrawn", .0.as_secs())]
    NotTaken(Duration),
    /// The writer did not answer in time, and is storing the submission: it may be stored.
    /// Sending the same form again stores nothing twice (its token is the response's id).
    #[error("the response writer did not answer within {} s; the submission may be stored", .0.as_secs())]
    MayBeStored(Duration),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// How long the checkpoint thread waits between passes while responses are coming in. Short on
/// purpose: each pass ends with an fsync of the database file, and the writer's own fsync of
/// the log waits behind it on the disk. Passes every 100 ms flushed ~18 MB each under load and
/// held commits up to 45 ms (p99 41 ms in the load benchmark); passes every 3 ms flush only
/// what a few milliseconds of commits wrote (p99 10 ms), at the same throughput.
const CHECKPOINT_BUSY: Duration = Duration::from_millis(3);
/// Between passes while nothing is written.
const CHECKPOINT_IDLE: Duration = Duration::from_millis(25);

/// Hands responses to the writer threads. Cheap to share; the threads end when it is dropped.
pub struct Ingest {
    queue: SyncSender<Job>,
    running: Arc<AtomicBool>,
    /// Submissions handed over and not yet done with: queued, or in a group being committed.
    in_flight: Arc<AtomicUsize>,
}

/// Counts a submission in flight for as long as its job lives: until a writer is done with it
/// (or the queue refused it), not only while its submitter waits.
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn count(counter: &Arc<AtomicUsize>) -> InFlight {
        counter.fetch_add(1, Ordering::Relaxed);
        InFlight(counter.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Drop for Ingest {
    fn drop(&mut self) {
        self.running.store(false, Ordering::Relaxed);
    }
}

impl Ingest {
    /// Starts `writers` threads (always one for SQLite) behind a queue of `capacity` responses.
    pub fn start(db: Database, writers: usize, capacity: usize) -> std::io::Result<Ingest> {
        let running = Arc::new(AtomicBool::new(true));
        let writers = match db.url() {
            DatabaseUrl::Sqlite(_) => {
                let db = db.clone();
                let running = running.clone();
                std::thread::Builder::new()
                    .name("minyi-checkpoint".into())
                    .spawn(move || supervised(|| checkpoint_while(&db, &running)))?;
                1
            }
            DatabaseUrl::Postgres(_) => writers.max(1),
        };
        let (queue, jobs) = mpsc::sync_channel(capacity.max(1));
        let jobs = Arc::new(Mutex::new(jobs));
        for n in 0..writers {
            let db = db.clone();
            let jobs = jobs.clone();
            std::thread::Builder::new()
                .name(format!("minyi-writer-{n}"))
                .spawn(move || supervised(|| write_until_closed(&db, &jobs)))?;
        }
        Ok(Ingest {
            queue,
            running,
            in_flight: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// Submissions handed to the writers and not yet answered (for `/metrics`): near
    /// `MINYI_QUEUE`, new ones get 503.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// Stores one response and returns once it is durably committed (or refused), or after
    /// `deadline`: then it is withdrawn if no writer has taken it yet ([`IngestError::NotTaken`]),
    /// else it may yet be stored ([`IngestError::MayBeStored`]).
    pub async fn submit(
        &self,
        submission: Submission,
        deadline: Duration,
    ) -> Result<InsertOutcome, IngestError> {
        let (reply, outcome) = oneshot::channel();
        let claim = Arc::new(Claim::new());
        let job = Job {
            submission,
            reply,
            claim: claim.clone(),
            _counted: InFlight::count(&self.in_flight),
        };
        match self.queue.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(IngestError::Busy),
            Err(TrySendError::Disconnected(_)) => return Err(IngestError::Stopped),
        }
        match actix_web::rt::time::timeout(deadline, outcome).await {
            Ok(answered) => answered.map_err(|_| IngestError::Stopped)?,
            Err(_) if claim.give_up() => Err(IngestError::NotTaken(deadline)),
            Err(_) => Err(IngestError::MayBeStored(deadline)),
        }
    }
}

/// How long a thread that panicked waits before it starts again, so that a fault that recurs at
/// once (a broken disk, say) is logged a few times a second rather than in a tight loop.
const RESTART_PAUSE: Duration = Duration::from_millis(200);

/// Runs `work` in this thread until it returns, starting it again whenever it panics: a bug
/// met while storing one group must not stop every later submission. The group's submitters
/// get 503 and their form back (their replies are dropped unsent), and the group's connection
/// is closed, which rolls its transaction back (`ConnectionManager::has_broken`).
fn supervised(mut work: impl FnMut()) {
    while std::panic::catch_unwind(std::panic::AssertUnwindSafe(&mut work)).is_err() {
        let thread = std::thread::current();
        let name = thread.name().unwrap_or("unnamed");
        tracing::error!(
            thread = name,
            "panicked (the message is above); starting it again"
        );
        std::thread::sleep(RESTART_PAUSE);
    }
}

/// Keeps the write-ahead log short from a thread of its own, so that commits (and the residents
/// waiting for them) never pay for copying it into the database file.
fn checkpoint_while(db: &Database, running: &AtomicBool) {
    let mut reached = None;
    let mut pause = CHECKPOINT_IDLE;
    while running.load(Ordering::Relaxed) {
        std::thread::sleep(pause);
        match db.checkpoint() {
            Ok(now) => {
                pause = if now == reached {
                    CHECKPOINT_IDLE
                } else {
                    CHECKPOINT_BUSY
                };
                reached = now;
            }
            Err(e) => tracing::warn!(error = %e, "checkpoint failed"),
        }
    }
}

/// How long a PostgreSQL writer keeps its connection without a group to store. Under load it
/// keeps it from one group to the next: a connection checked out of the pool is first tested
/// with a query of its own (`ConnectionManager::is_valid`), a fifth round trip for each group's
/// four. Idle longer, it gives it back, and the next group checks out a tested one, so that a
/// connection the server dropped meanwhile (a restart) is not used.
const KEEP_IDLE_CONNECTION: Duration = Duration::from_secs(1);

/// How often a writer asks whether a newer Minyi upgraded the database (one small read): a node
/// of the old build left running in a rolling upgrade stops storing within this time, even
/// where no load balancer polls its `/healthz`.
const SCHEMA_RECHECK: Duration = Duration::from_secs(5);

/// The writer's last answer to "has a newer Minyi upgraded the database?".
#[derive(Default)]
struct SchemaWatch {
    checked: Option<Instant>,
    /// Why this process must not store, once it must not.
    newer: Option<String>,
}

impl SchemaWatch {
    /// Why the next group must not be stored, asking the database again when the last answer
    /// is older than [`SCHEMA_RECHECK`]. A database that cannot be asked is no reason: the
    /// group's own store says what is wrong with it.
    fn refusal(&mut self, conn: &mut Conn) -> Option<&str> {
        if self.checked.is_none_or(|at| at.elapsed() >= SCHEMA_RECHECK) {
            self.checked = Some(Instant::now());
            self.newer = match storage::schema_not_newer_on(conn) {
                Err(e @ StorageError::NewerSchema { .. }) => {
                    tracing::error!(error = %e, "a newer Minyi upgraded the database: no longer storing responses");
                    Some(e.to_string())
                }
                Ok(()) | Err(_) => None,
            };
        }
        self.newer.as_deref()
    }
}

fn write_until_closed(db: &Database, jobs: &Mutex<Receiver<Job>>) {
    // On SQLite the one writer keeps its connection for good, so that its page cache stays
    // valid (no other connection writes); on PostgreSQL while groups keep coming (above), and
    // only after a group that committed.
    let sqlite = matches!(db.url(), DatabaseUrl::Sqlite(_));
    let mut kept: Option<(Conn, Instant)> = None;
    let mut schema = SchemaWatch::default();
    while let Some(group) = next_group(jobs) {
        // What its submitters gave up on is not stored (they were told so).
        let group: Vec<Job> = group.into_iter().filter(|job| job.claim.take()).collect();
        if group.is_empty() {
            continue;
        }
        let conn = match kept.take() {
            Some((conn, since)) if sqlite || since.elapsed() < KEEP_IDLE_CONNECTION => Ok(conn),
            _ => db.conn(),
        };
        match conn {
            Ok(mut conn) => {
                if let Some(why) = schema.refusal(&mut conn) {
                    for job in group {
                        let _ = job.reply.send(Err(IngestError::OutOfDate(why.to_owned())));
                    }
                    kept = Some((conn, Instant::now()));
                    continue;
                }
                if store_group(&mut conn, group) || sqlite {
                    kept = Some((conn, Instant::now()));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "no database connection for the response writer");
                for job in group {
                    let _ = job
                        .reply
                        .send(Err(IngestError::NoConnection(e.to_string())));
                }
            }
        }
    }
}

/// Waits for one job, then takes whatever else is already waiting (up to `MAX_GROUP`). `None`
/// once every sender is gone.
fn next_group(jobs: &Mutex<Receiver<Job>>) -> Option<Vec<Job>> {
    // A writer that panicked never does so holding this lock, but if one did, the queue itself
    // is still sound: the others carry on with it.
    let jobs = jobs
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let first = jobs.recv().ok()?;
    let mut group = vec![first];
    while group.len() < MAX_GROUP {
        match jobs.try_recv() {
            Ok(job) => group.push(job),
            Err(_) => break,
        }
    }
    Some(group)
}

/// Stores a group and answers each submitter; whether the group committed together.
fn store_group(conn: &mut Conn, mut group: Vec<Job>) -> bool {
    // The same lock order in every group (county, then slot), so that concurrent groups on
    // PostgreSQL queue behind each other instead of deadlocking.
    group.sort_by(|a, b| {
        let (a, b) = (&a.submission.response, &b.submission.response);
        (&a.survey_id, &a.stratum, a.slot).cmp(&(&b.survey_id, &b.stratum, b.slot))
    });
    let started = std::time::Instant::now();
    let submissions: Vec<&Submission> = group.iter().map(|job| &job.submission).collect();
    let together = storage::store_submissions(conn, &submissions);
    tracing::debug!(
        size = group.len(),
        us = started.elapsed().as_micros() as u64,
        ok = together.is_ok(),
        "group stored"
    );
    match together {
        Ok(outcomes) => {
            for (job, outcome) in group.into_iter().zip(outcomes) {
                let _ = job.reply.send(Ok(outcome));
            }
            true
        }
        Err(e) if group.len() == 1 => {
            if let Some(job) = group.pop() {
                let _ = job.reply.send(Err(e.into()));
            }
            false
        }
        Err(e) => {
            // One bad row (or a deadlock victim) must not fail the others: store each alone.
            tracing::warn!(error = %e, size = group.len(), "group commit failed; storing one by one");
            for job in group {
                store_group(conn, vec![job]);
            }
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_submission_is_either_taken_by_a_writer_or_given_up_by_its_submitter_never_both() {
        let taken = Claim::new();
        assert!(taken.take(), "waiting: the writer takes it");
        assert!(!taken.give_up(), "the submitter is told it may be stored");
        assert!(!taken.take(), "taken once");

        let given_up = Claim::new();
        assert!(given_up.give_up(), "waiting: the submitter withdraws it");
        assert!(!given_up.take(), "the writer leaves it");
    }

    #[test]
    fn a_supervised_thread_that_panics_starts_again_until_its_work_is_done() {
        let mut runs = 0;
        supervised(|| {
            runs += 1;
            assert!(runs > 2, "run {runs} meets a bug");
        });
        assert_eq!(runs, 3, "twice panicked, started again, then done");
    }
}
