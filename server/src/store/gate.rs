//! Write transactions, and on SQLite one of them at a time per process.
//!
//! SQLite has one writer. A second write transaction that finds the lock
//! taken is parked by SQLite's busy handler, which sleeps and retries (1,
//! 2, 5, 10… up to 100 ms between tries): under load, writers spent most of
//! their time asleep while the lock was free, and the slowest waited
//! hundreds of milliseconds. Here writers of one process take turns on a
//! FIFO async mutex before they take a connection, so the next one starts
//! the moment the last one commits and none holds a pooled connection
//! while it waits. Another process on the same file (`server app …`) still
//! meets the busy handler, as before. PostgreSQL locks rows, not the
//! database: no turn is taken there.
//!
//! Nesting a write transaction inside another would wait for itself; the
//! store never does (SQLite would have refused it with "database is
//! locked" after the busy timeout anyway).

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::{Any, AnyConnection, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::{Backend, Db};
use crate::core::error::Result;

/// The turn of a database's writers (SQLite only).
pub(super) fn turns(backend: Backend) -> Option<Arc<Mutex<()>>> {
    (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(())))
}

/// A write transaction; its turn (SQLite) ends when it commits or is
/// dropped (rolled back). Used as the connection it runs on.
pub struct WriteTx {
    // Declared before the turn: dropped first, so the rollback is queued
    // before the next writer goes.
    tx: Transaction<'static, Any>,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub(super) async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

impl Db {
    /// Begins a write transaction, after this process's earlier writers
    /// on SQLite. Its first statement must write (the module doc of `store`).
    pub(super) async fn begin_write(&self) -> Result<WriteTx> {
        let turn = match &self.turns {
            Some(turns) => Some(turns.clone().lock_owned().await),
            None => None,
        };
        Ok(WriteTx { tx: self.pool.begin().await?, _turn: turn })
    }
}
