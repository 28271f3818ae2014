//! The response writer: a few threads (one for SQLite) that take every response waiting, store
//! the group in one transaction, and only then tell each submitter its outcome.
//!
//! Why: with SQLite every commit is an fsync and only one connection may write at a time, so a
//! pool of writers mostly waits for the lock and pays one fsync per response. Grouping pays one
//! fsync per group and keeps the lock with one thread. PostgreSQL gains too (fewer commits), and
//! runs several writers because its row locks let them work side by side.
//!
//! Acknowledgement comes only after the commit returned, so a 303 always names a durable row.

use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::storage::{self, Database, DatabaseUrl, InsertOutcome, StorageError, Submission};

/// The most responses stored in one transaction.
const MAX_GROUP: usize = 512;

type Reply = oneshot::Sender<Result<InsertOutcome, StorageError>>;
type Job = (Submission, Reply);

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// More submissions are waiting than the queue holds: the resident should retry shortly.
    #[error("the response queue is full")]
    Busy,
    /// The writer stopped (the process is shutting down).
    #[error("the response writer has stopped")]
    Stopped,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Hands responses to the writer threads. Cheap to share; the threads end when it is dropped.
pub struct Ingest {
    queue: SyncSender<Job>,
}

impl Ingest {
    /// Starts `writers` threads (always one for SQLite) behind a queue of `capacity` responses.
    pub fn start(db: Database, writers: usize, capacity: usize) -> std::io::Result<Ingest> {
        let writers = match db.url() {
            DatabaseUrl::Sqlite(_) => 1,
            DatabaseUrl::Postgres(_) => writers.max(1),
        };
        let (queue, jobs) = mpsc::sync_channel(capacity.max(1));
        let jobs = Arc::new(Mutex::new(jobs));
        for n in 0..writers {
            let db = db.clone();
            let jobs = jobs.clone();
            std::thread::Builder::new()
                .name(format!("minyi-writer-{n}"))
                .spawn(move || write_until_closed(&db, &jobs))?;
        }
        Ok(Ingest { queue })
    }

    /// Stores one response and returns once it is durably committed (or refused).
    pub async fn submit(&self, submission: Submission) -> Result<InsertOutcome, IngestError> {
        let (reply, outcome) = oneshot::channel();
        match self.queue.try_send((submission, reply)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(IngestError::Busy),
            Err(TrySendError::Disconnected(_)) => return Err(IngestError::Stopped),
        }
        Ok(outcome.await.map_err(|_| IngestError::Stopped)??)
    }
}

fn write_until_closed(db: &Database, jobs: &Mutex<Receiver<Job>>) {
    while let Some(group) = next_group(jobs) {
        store_group(db, group);
    }
}

/// Waits for one job, then takes whatever else is already waiting (up to `MAX_GROUP`). `None`
/// once every sender is gone.
fn next_group(jobs: &Mutex<Receiver<Job>>) -> Option<Vec<Job>> {
    let jobs = jobs.lock().ok()?;
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

fn store_group(db: &Database, mut group: Vec<Job>) {
    // The same lock order in every group (county, then key), so that concurrent groups on
    // PostgreSQL queue behind each other instead of deadlocking.
    group.sort_by(|(a, _), (b, _)| {
        (
            &a.response.survey_id,
            &a.response.stratum,
            &a.response.submission_key,
        )
            .cmp(&(
                &b.response.survey_id,
                &b.response.stratum,
                &b.response.submission_key,
            ))
    });
    let together = db.conn().and_then(|mut conn| {
        let submissions: Vec<&Submission> = group.iter().map(|(s, _)| s).collect();
        storage::store_submissions(&mut conn, &submissions)
    });
    match together {
        Ok(outcomes) => {
            for ((_, reply), outcome) in group.into_iter().zip(outcomes) {
                let _ = reply.send(Ok(outcome));
            }
        }
        Err(e) if group.len() == 1 => {
            if let Some((_, reply)) = group.pop() {
                let _ = reply.send(Err(e));
            }
        }
        Err(e) => {
            // One bad row (or a deadlock victim) must not fail the others: store each alone.
            tracing::warn!(error = %e, size = group.len(), "group commit failed; storing one by one");
            for job in group {
                store_group(db, vec![job]);
            }
        }
    }
}
