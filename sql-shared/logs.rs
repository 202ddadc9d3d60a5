//! Request logs (stored in chunks, see [`super::log_chunks`]: batch insert,
//! paged queries, aggregates, retention) and `usage_stats`.

use std::collections::{BTreeMap, HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mockbird_core::clock;
use mockbird_core::model::*;
use mockbird_core::store::*;
use sqlx::{QueryBuilder, Row};
use uuid::Uuid;

use super::convert;
use super::log_chunks::{self, PageWalk, Span};
use super::log_hours;
use super::support::{backend, int};
use crate::Store;
use crate::dialect::{self, Db, DbRow, get_id, get_opt_id, get_ts, id, ts};

/// Most chunk rows per multi-row `INSERT` (10 parameters each, well under
/// both drivers' parameter limits), and most ids per `IN (…)` list.
pub const LOG_BATCH_ROWS: usize = 500;

/// Chunk metadata read per query while walking towards a page.
const WALK_STEP: i64 = 256;

/// Which of `ids` exist in `table`.
async fn existing<'e>(
    db: impl sqlx::Executor<'e, Database = Db>,
    table: &str,
    ids: HashSet<Uuid>,
) -> StoreResult<HashSet<Uuid>> {
    if ids.is_empty() {
        return Ok(ids);
    }
    let mut qb = QueryBuilder::<Db>::new(format!("SELECT id FROM {table} WHERE id IN ("));
    let mut list = qb.separated(", ");
    for i in &ids {
        list.push_bind(id(*i));
    }
    qb.push(")");
    let rows = qb.build().fetch_all(db).await.map_err(backend)?;
    rows.iter()
        .map(|r| get_id(r, "id").map_err(backend))
        .collect()
}

/// Stores `chunks`, [`LOG_BATCH_ROWS`] rows per statement, each statement in
/// a transaction with the hourly totals of the chunks it stored (chunks
/// already stored — a retried batch — are skipped, and not counted again).
/// Returns the entries stored, and the error that stopped it, if any.
async fn insert_chunks(
    conn: &mut <Db as sqlx::Database>::Connection,
    chunks: &[log_chunks::Chunk<'_>],
) -> (u64, Result<(), sqlx::Error>) {
    let mut stored = 0;
    for part in chunks.chunks(LOG_BATCH_ROWS) {
        match insert_part(conn, part).await {
            Ok(n) => stored += n,
            Err(e) => return (stored, Err(e)),
        }
    }
    (stored, Ok(()))
}

/// One statement's worth of chunks and their hours, in one transaction.
async fn insert_part(
    conn: &mut <Db as sqlx::Database>::Connection,
    part: &[log_chunks::Chunk<'_>],
) -> Result<u64, sqlx::Error> {
    use sqlx::Connection;
    let mut tx = conn.begin().await?;
    let mut qb = QueryBuilder::<Db>::new(
        "INSERT INTO request_log_chunks (id, project_id, mock_id, response_status, \
         first_at, last_at, entries, total_ms, times, body) ",
    );
    qb.push_values(part, |mut row, c| {
        row.push_bind(id(c.id()))
            .push_bind(id(c.project_id()))
            .push_bind(c.mock_id().map(id))
            .push_bind(i64::from(c.status()))
            .push_bind(ts(c.first_at()))
            .push_bind(ts(c.last_at()))
            .push_bind(int(c.entries.len()))
            .push_bind(int(c.total_ms()))
            .push_bind(c.times())
            .push_bind(c.body());
    });
    qb.push(" ON CONFLICT (id) DO NOTHING RETURNING id, entries");
    let mut stored = 0;
    let mut new = HashSet::new();
    for row in qb.build().fetch_all(&mut *tx).await? {
        stored += convert::uint::<u64>(&row, "entries")?;
        new.insert(get_id(&row, "id")?);
    }
    let hours = log_hours::of_chunks(part.iter().filter(|c| new.contains(&c.id())));
    add_hours(&mut tx, &hours).await?;
    tx.commit().await?;
    Ok(stored)
}

/// Adds `hours` to `request_log_hours` (negative totals take away).
async fn add_hours(
    conn: &mut <Db as sqlx::Database>::Connection,
    hours: &log_hours::Hours,
) -> Result<(), sqlx::Error> {
    for part in hours.rows().chunks(LOG_BATCH_ROWS) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO request_log_hours (project_id, mock_key, mock_id, hour, \
             requests, errors, total_ms, times) ",
        );
        qb.push_values(part, |mut row, h| {
            row.push_bind(id(h.project_id))
                .push_bind(h.mock_key())
                .push_bind(h.mock_id.map(id))
                .push_bind(ts(h.start()))
                .push_bind(h.requests)
                .push_bind(h.errors)
                .push_bind(h.total_ms)
                .push_bind(h.times_json());
        });
        qb.push(format!(
            " ON CONFLICT (project_id, mock_key, hour) DO UPDATE SET \
             requests = request_log_hours.requests + excluded.requests, \
             errors = request_log_hours.errors + excluded.errors, \
             total_ms = request_log_hours.total_ms + excluded.total_ms, \
             times = {}",
            dialect::MERGED_TIMES
        ));
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|e| e.is_foreign_key_violation())
}

/// Stores a batch after dropping the entries whose project or mock is gone,
/// in one transaction (the slow path, taken when a plain insert met a
/// deleted project or mock).
async fn insert_checked(store: &Store, logs: &[NewRequestLog]) -> StoreResult<u64> {
    let mut tx = store.begin().await?;
    let projects = existing(
        &mut *tx,
        "projects",
        logs.iter().map(|l| l.project_id).collect(),
    )
    .await?;
    let mocks = existing(
        &mut *tx,
        "mocks",
        logs.iter().filter_map(|l| l.mock_id).collect(),
    )
    .await?;
    let chunks = log_chunks::group(
        logs.iter()
            .filter(|l| projects.contains(&l.project_id))
            .filter(|l| l.mock_id.is_none_or(|m| mocks.contains(&m))),
    );
    let (stored, done) = insert_chunks(&mut tx, &chunks).await;
    done.map_err(backend)?;
    tx.commit().await.map_err(backend)?;
    Ok(stored)
}

/// The filters of a chunk query: a scope, and the status and time range of
/// a [`LogQuery`] (its paging is not used here).
#[derive(Debug, Clone, Copy)]
struct Filter {
    scope: LogScope,
    query: LogQuery,
}

impl Filter {
    fn since(scope: LogScope, since: DateTime<Utc>) -> Self {
        Filter {
            scope,
            query: LogQuery {
                start: Some(since),
                ..LogQuery::default()
            },
        }
    }

    /// `WHERE` for the chunks that overlap the filter.
    fn push(&self, qb: &mut QueryBuilder<Db>) {
        match self.scope {
            LogScope::Mock(m) => qb.push(" WHERE c.mock_id = ").push_bind(id(m)),
            LogScope::Project(p) => qb.push(" WHERE c.project_id = ").push_bind(id(p)),
        };
        if let Some(status) = self.query.status {
            qb.push(" AND c.response_status = ")
                .push_bind(i64::from(status));
        }
        if let Some(start) = self.query.start {
            qb.push(" AND c.last_at >= ").push_bind(ts(start));
        }
        if let Some(end) = self.query.end {
            qb.push(" AND c.first_at <= ").push_bind(ts(end));
        }
    }

    /// … and only those wholly inside the range (`inside`) or only those
    /// straddling one of its ends (`!inside`).
    fn push_inside(&self, qb: &mut QueryBuilder<Db>, inside: bool) {
        self.push(qb);
        let mut ends = Vec::new();
        if let Some(start) = self.query.start {
            ends.push(("c.first_at < ", ts(start)));
        }
        if let Some(end) = self.query.end {
            // With an id cut, a chunk ending exactly at `end` straddles it.
            let past = if self.query.end_below_id.is_some() {
                "c.last_at >= "
            } else {
                "c.last_at > "
            };
            ends.push((past, ts(end)));
        }
        if ends.is_empty() {
            if !inside {
                qb.push(" AND 1 = 0");
            }
            return;
        }
        qb.push(if inside { " AND NOT (" } else { " AND (" });
        for (i, (cmp, at)) in ends.into_iter().enumerate() {
            if i > 0 {
                qb.push(" OR ");
            }
            qb.push(cmp).push_bind(at);
        }
        qb.push(")");
    }

    /// Whether an entry of an overlapping chunk is inside the range.
    fn holds(&self, log: &RequestLog) -> bool {
        self.query.holds(log.created_at, log.id)
    }
}

/// The entries of the chunks `ids`, by chunk.
async fn read_chunks(store: &Store, ids: &[Uuid]) -> StoreResult<HashMap<Uuid, Vec<RequestLog>>> {
    let mut out = HashMap::with_capacity(ids.len());
    for part in ids.chunks(LOG_BATCH_ROWS) {
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT c.id, {ENTRY_COLS} FROM request_log_chunks c WHERE c.id IN ("
        ));
        let mut list = qb.separated(", ");
        for i in part {
            list.push_bind(id(*i));
        }
        qb.push(")");
        for row in qb
            .build()
            .fetch_all(store.reader())
            .await
            .map_err(backend)?
        {
            out.insert(get_id(&row, "id").map_err(backend)?, body(&row)?);
        }
    }
    Ok(out)
}

/// The columns [`body`] reads.
const ENTRY_COLS: &str = "c.project_id, c.mock_id, c.response_status, c.body";

/// The entries of a chunk row (selected with [`ENTRY_COLS`]).
fn body(row: &DbRow) -> StoreResult<Vec<RequestLog>> {
    let shared = log_chunks::Shared {
        project_id: get_id(row, "project_id").map_err(backend)?,
        mock_id: get_opt_id(row, "mock_id").map_err(backend)?,
        status: convert::uint(row, "response_status").map_err(backend)?,
    };
    let bytes: Vec<u8> = row.try_get("body").map_err(backend)?;
    log_chunks::decode(&bytes, shared).map_err(|e| backend(sqlx::Error::Decode(Box::new(e))))
}

/// The chunks overlapping `filter` that straddle one of its ends, read whole.
async fn straddling(store: &Store, filter: &Filter) -> StoreResult<Vec<(DbRow, Vec<RequestLog>)>> {
    let mut qb = QueryBuilder::<Db>::new(format!(
        "SELECT c.id, {ENTRY_COLS} FROM request_log_chunks c"
    ));
    filter.push_inside(&mut qb, false);
    let rows = qb
        .build()
        .fetch_all(store.reader())
        .await
        .map_err(backend)?;
    rows.into_iter()
        .map(|row| {
            let entries = body(&row)?;
            Ok((row, entries))
        })
        .collect()
}

/// How many entries `filter` holds. The whole UTC hours of its range come
/// from `request_log_hours` (when no status is asked: the hours do not keep
/// it), the rest from the chunks (a chunk lies inside one minute, so never
/// across an hour); chunks decoded on the way are left in `known`.
async fn count(
    store: &Store,
    filter: &Filter,
    known: &mut HashMap<Uuid, Vec<RequestLog>>,
) -> StoreResult<u64> {
    let hour = |t: DateTime<Utc>, up: bool| {
        let s = t.timestamp().div_euclid(log_hours::HOUR) * log_hours::HOUR;
        let s = if up && (s != t.timestamp() || t.timestamp_subsec_micros() > 0) {
            s + log_hours::HOUR
        } else {
            s
        };
        DateTime::from_timestamp(s, 0).unwrap_or(t)
    };
    let q = filter.query;
    let (from, to) = (
        q.start.map(|t| hour(t, true)),
        q.end.map(|t| hour(t, false)),
    );
    if q.status.is_some() || from.zip(to).is_some_and(|(a, b)| a >= b) {
        return count_chunks(store, filter, known).await;
    }
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT CAST(COALESCE(SUM(h.requests), 0) AS BIGINT) FROM request_log_hours h",
    );
    match filter.scope {
        LogScope::Mock(m) => qb.push(" WHERE h.mock_id = ").push_bind(id(m)),
        LogScope::Project(p) => qb.push(" WHERE h.project_id = ").push_bind(id(p)),
    };
    if let Some(from) = from {
        qb.push(" AND h.hour >= ").push_bind(ts(from));
    }
    if let Some(to) = to {
        qb.push(" AND h.hour < ").push_bind(ts(to));
    }
    let whole: i64 = qb
        .build_query_scalar()
        .fetch_one(store.reader())
        .await
        .map_err(backend)?;
    let mut total = u64::try_from(whole).unwrap_or(0);
    // The part hours at either end.
    if let (Some(start), Some(from)) = (q.start, from) {
        let head = LogQuery {
            start: Some(start),
            end: Some(from - chrono::Duration::microseconds(1)),
            end_below_id: None,
            ..q
        };
        total += count_chunks(
            store,
            &Filter {
                query: head,
                ..*filter
            },
            known,
        )
        .await?;
    }
    if let (Some(end), Some(to)) = (q.end, to) {
        let tail = LogQuery {
            start: Some(to),
            end: Some(end),
            ..q
        };
        total += count_chunks(
            store,
            &Filter {
                query: tail,
                ..*filter
            },
            known,
        )
        .await?;
    }
    Ok(total)
}

/// How many entries `filter` holds, from the chunks alone.
async fn count_chunks(
    store: &Store,
    filter: &Filter,
    known: &mut HashMap<Uuid, Vec<RequestLog>>,
) -> StoreResult<u64> {
    let mut count = QueryBuilder::<Db>::new(
        "SELECT CAST(COALESCE(SUM(c.entries), 0) AS BIGINT) FROM request_log_chunks c",
    );
    filter.push_inside(&mut count, true);
    let whole: i64 = count
        .build_query_scalar()
        .fetch_one(store.reader())
        .await
        .map_err(backend)?;
    let mut total = u64::try_from(whole).unwrap_or(0);
    for (row, entries) in straddling(store, filter).await? {
        total += entries.iter().filter(|l| filter.holds(l)).count() as u64;
        known.insert(get_id(&row, "id").map_err(backend)?, entries);
    }
    Ok(total)
}

/// The entries at ranks `offset .. offset + limit` of the chunks matching
/// `filter`, newest first (by `created_at`, then id) or oldest first.
/// `known` holds chunks already read.
async fn walk(
    store: &Store,
    filter: &Filter,
    newest_first: bool,
    offset: u64,
    limit: u64,
    mut known: HashMap<Uuid, Vec<RequestLog>>,
) -> StoreResult<Vec<RequestLog>> {
    let mut page = PageWalk::new(newest_first, offset, limit);
    let order = if newest_first {
        " ORDER BY c.last_at DESC, c.id DESC"
    } else {
        " ORDER BY c.first_at, c.id"
    };
    let mut read = 0;
    'walk: loop {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT c.id, c.first_at, c.last_at, c.entries FROM request_log_chunks c",
        );
        filter.push(&mut qb);
        qb.push(order)
            .push(" LIMIT ")
            .push_bind(WALK_STEP)
            .push(" OFFSET ")
            .push_bind(read);
        let rows = qb
            .build()
            .fetch_all(store.reader())
            .await
            .map_err(backend)?;
        let got = rows.len();
        for row in rows {
            let (first_at, last_at) = (
                get_ts(&row, "first_at").map_err(backend)?,
                get_ts(&row, "last_at").map_err(backend)?,
            );
            let span = Span {
                id: get_id(&row, "id").map_err(backend)?,
                first_at,
                last_at,
                entries: convert::uint(&row, "entries").map_err(backend)?,
                whole: filter.query.covers(first_at, last_at),
            };
            if !page.push(span) {
                break 'walk;
            }
        }
        read += WALK_STEP;
        if i64::try_from(got).unwrap_or(0) < WALK_STEP {
            break;
        }
    }
    let (skipped, ids) = page.finish();
    let missing: Vec<Uuid> = ids
        .iter()
        .filter(|i| !known.contains_key(i))
        .copied()
        .collect();
    known.extend(read_chunks(store, &missing).await?);
    let mut entries: Vec<RequestLog> = ids
        .iter()
        .filter_map(|i| known.remove(i))
        .flatten()
        .filter(|l| filter.holds(l))
        .collect();
    entries.sort_unstable_by(|a, b| {
        let order = a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id));
        if newest_first { order.reverse() } else { order }
    });
    let mut page: Vec<RequestLog> = entries
        .into_iter()
        .skip(usize::try_from(offset - skipped).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect();
    unlink_deleted_responses(store, &mut page).await?;
    Ok(page)
}

/// Responses deleted since an entry was written read back as `null` (what
/// `ON DELETE SET NULL` did when each entry was a row).
async fn unlink_deleted_responses(store: &Store, logs: &mut [RequestLog]) -> StoreResult<()> {
    let ids: HashSet<Uuid> = logs.iter().filter_map(|l| l.response_id).collect();
    let present = existing(store.reader(), "mock_responses", ids).await?;
    for log in logs {
        log.response_id = log.response_id.filter(|r| present.contains(r));
    }
    Ok(())
}

/// Adds decoded entries to a bucket map, per-mock counts and a histogram.
#[derive(Debug, Default)]
struct Tally {
    buckets: BTreeMap<i64, LogBucket>,
    by_mock: HashMap<Option<Uuid>, u64>,
    times: BTreeMap<u32, u64>,
}

/// [`LogStore::log_stats`] for buckets of whole hours from an hour on: from
/// `request_log_hours`, one row per mock and hour.
async fn hourly_stats(
    store: &Store,
    scope: LogScope,
    since: DateTime<Utc>,
    size: i64,
) -> StoreResult<LogStats> {
    let mut qb = QueryBuilder::<Db>::new(format!(
        "SELECT {} AS hour, h.mock_id, h.requests, h.errors, h.total_ms, h.times \
         FROM request_log_hours h",
        dialect::epoch("h.hour")
    ));
    match scope {
        LogScope::Mock(m) => qb.push(" WHERE h.mock_id = ").push_bind(id(m)),
        LogScope::Project(p) => qb.push(" WHERE h.project_id = ").push_bind(id(p)),
    };
    qb.push(" AND h.hour >= ").push_bind(ts(since));
    let mut tally = Tally::default();
    for row in qb
        .build()
        .fetch_all(store.reader())
        .await
        .map_err(backend)?
    {
        let hour: i64 = row.try_get("hour").map_err(backend)?;
        let requests = convert::uint::<u64>(&row, "requests").map_err(backend)?;
        tally.add(
            hour.div_euclid(size) * size,
            requests,
            convert::uint(&row, "errors").map_err(backend)?,
            convert::uint(&row, "total_ms").map_err(backend)?,
        );
        *tally
            .by_mock
            .entry(get_opt_id(&row, "mock_id").map_err(backend)?)
            .or_default() += requests;
        let times: String = row.try_get("times").map_err(backend)?;
        log_hours::add_times(&mut tally.times, &times);
    }
    Ok(tally.finish())
}

#[async_trait]
impl LogStore for Store {
    async fn insert_logs(&self, logs: &[NewRequestLog]) -> StoreResult<u64> {
        if logs.is_empty() {
            return Ok(0);
        }
        // The fast path: one statement, one round trip to the database.
        let mut conn = self.writer().acquire().await.map_err(backend)?;
        let (stored, done) = insert_chunks(&mut conn, &log_chunks::group(logs)).await;
        drop(conn);
        match done {
            Ok(()) => Ok(stored),
            // A project or mock was deleted: drop its entries and store the
            // rest (once more if another one goes meanwhile, across sessions).
            Err(e) if is_foreign_key_violation(&e) => {
                let more = match insert_checked(self, logs).await {
                    Err(StoreError::Backend { source, .. })
                        if source
                            .downcast_ref::<sqlx::Error>()
                            .is_some_and(is_foreign_key_violation) =>
                    {
                        insert_checked(self, logs).await
                    }
                    other => other,
                }?;
                Ok(stored + more)
            }
            Err(e) => Err(backend(e)),
        }
    }

    async fn logs(&self, scope: LogScope, query: LogQuery) -> StoreResult<Page<RequestLog>> {
        let filter = Filter { scope, query };
        let mut known = HashMap::new();
        let total = count(self, &filter, &mut known).await?;
        let items = walk(
            self,
            &filter,
            true,
            query.offset(),
            u64::from(query.limit),
            known,
        )
        .await?;
        Ok(Page {
            items,
            page: query.page,
            limit: query.limit,
            total,
        })
    }

    async fn logs_since(
        &self,
        scope: LogScope,
        since: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<RequestLog>> {
        let filter = Filter::since(scope, since);
        walk(self, &filter, false, 0, u64::from(limit), HashMap::new()).await
    }

    async fn log_stats(
        &self,
        scope: LogScope,
        since: DateTime<Utc>,
        bucket_secs: u32,
    ) -> StoreResult<LogStats> {
        let size = i64::from(bucket_secs.max(1));
        if size % log_hours::HOUR == 0 && since.timestamp() % log_hours::HOUR == 0 {
            return hourly_stats(self, scope, since, size).await;
        }
        let filter = Filter::since(scope, since);
        let (first, last) = (dialect::epoch("c.first_at"), dialect::epoch("c.last_at"));
        let one_bucket = format!("({first} / {size}) = ({last} / {size})");
        let mut tally = Tally::default();
        // Chunks inside the window and inside one bucket: from their columns.
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT ({first} / {size}) * {size} AS bucket, \
             CAST(SUM(c.entries) AS BIGINT) AS requests, \
             CAST(SUM(CASE WHEN c.response_status >= 400 THEN c.entries ELSE 0 END) AS BIGINT) AS errors, \
             CAST(SUM(c.total_ms) AS BIGINT) AS total_ms FROM request_log_chunks c"
        ));
        filter.push_inside(&mut qb, true);
        qb.push(format!(" AND {one_bucket} GROUP BY 1"));
        for row in qb.build().fetch_all(self.reader()).await.map_err(backend)? {
            let n = |col: &str| -> StoreResult<u64> {
                let v: Option<i64> = row.try_get(col).map_err(backend)?;
                Ok(u64::try_from(v.unwrap_or(0)).unwrap_or(0))
            };
            let start: i64 = row.try_get("bucket").map_err(backend)?;
            tally.add(start, n("requests")?, n("errors")?, n("total_ms")?);
        }
        // Requests per mock and the response-time histogram of chunks inside the window.
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT c.mock_id, CAST(SUM(c.entries) AS BIGINT) AS requests FROM request_log_chunks c",
        );
        filter.push_inside(&mut qb, true);
        qb.push(" GROUP BY c.mock_id");
        for row in qb.build().fetch_all(self.reader()).await.map_err(backend)? {
            let n: i64 = row.try_get("requests").map_err(backend)?;
            *tally
                .by_mock
                .entry(get_opt_id(&row, "mock_id").map_err(backend)?)
                .or_default() += u64::try_from(n).unwrap_or(0);
        }
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT CAST(t.key AS BIGINT) AS ms, CAST(SUM(CAST(t.value AS BIGINT)) AS BIGINT) AS n \
             FROM request_log_chunks c, {} t",
            dialect::TIMES_EACH
        ));
        filter.push_inside(&mut qb, true);
        qb.push(" GROUP BY 1");
        for row in qb.build().fetch_all(self.reader()).await.map_err(backend)? {
            let (ms, n): (i64, i64) = (
                row.try_get("ms").map_err(backend)?,
                row.try_get("n").map_err(backend)?,
            );
            *tally
                .times
                .entry(u32::try_from(ms).unwrap_or(u32::MAX))
                .or_default() += u64::try_from(n).unwrap_or(0);
        }
        // Chunks across the window's start or a bucket boundary: entry by
        // entry (the first kind was left out above altogether, the second
        // only from the buckets).
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT c.first_at, {ENTRY_COLS} FROM request_log_chunks c"
        ));
        filter.push(&mut qb);
        qb.push(" AND (c.first_at < ")
            .push_bind(ts(since))
            .push(format!(" OR NOT {one_bucket})"));
        for row in qb.build().fetch_all(self.reader()).await.map_err(backend)? {
            let partial = get_ts(&row, "first_at").map_err(backend)? < since;
            for l in body(&row)?.into_iter().filter(|l| filter.holds(l)) {
                tally.add(
                    l.created_at.timestamp().div_euclid(size) * size,
                    1,
                    u64::from(l.response_status >= 400),
                    u64::from(l.response_time_ms),
                );
                if partial {
                    *tally.by_mock.entry(l.mock_id).or_default() += 1;
                    *tally.times.entry(l.response_time_ms).or_default() += 1;
                }
            }
        }
        Ok(tally.finish())
    }

    async fn delete_logs_before(
        &self,
        org_id: Uuid,
        before: DateTime<Utc>,
        batch: u32,
    ) -> StoreResult<u64> {
        // Whole chunks first, then (once none is left) the chunks that
        // straddle `before`, rewritten without their older entries; what
        // goes is taken from the hourly totals in the same transaction.
        let mut tx = self.begin().await?;
        let rows = sqlx::query(
            "DELETE FROM request_log_chunks WHERE id IN ( \
               SELECT c.id FROM request_log_chunks c JOIN projects p ON p.id = c.project_id \
               WHERE p.org_id = $1 AND c.last_at < $2 LIMIT $3) \
             RETURNING project_id, mock_id, response_status, first_at, entries, total_ms, times",
        )
        .bind(id(org_id))
        .bind(ts(before))
        .bind(i64::from(batch))
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?;
        let mut deleted = 0;
        let mut gone = log_hours::Hours::default();
        for row in &rows {
            let entries = convert::uint::<u64>(row, "entries").map_err(backend)?;
            deleted += entries;
            let times: String = row.try_get("times").map_err(backend)?;
            gone.add(
                log_hours::Part {
                    project_id: get_id(row, "project_id").map_err(backend)?,
                    mock_id: get_opt_id(row, "mock_id").map_err(backend)?,
                    at: get_ts(row, "first_at").map_err(backend)?,
                    status: convert::uint(row, "response_status").map_err(backend)?,
                    requests: int(entries),
                    total_ms: convert::uint(row, "total_ms").map_err(backend)?,
                    times: log_hours::parse_times(&times),
                },
                -1,
            );
        }
        if !rows.is_empty() {
            forget_hours(&mut tx, org_id, &gone)
                .await
                .map_err(backend)?;
            tx.commit().await.map_err(backend)?;
            return Ok(deleted);
        }
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT c.id, {ENTRY_COLS} FROM request_log_chunks c JOIN projects p ON p.id = c.project_id \
             WHERE p.org_id = $1 AND c.first_at < $2 AND c.last_at >= $2 LIMIT $3"
        )))
        .bind(id(org_id))
        .bind(ts(before))
        .bind(i64::from(batch))
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?;
        for row in &rows {
            let entries = body(row)?;
            let kept: Vec<&RequestLog> =
                entries.iter().filter(|l| l.created_at >= before).collect();
            deleted += (entries.len() - kept.len()) as u64;
            let removed = entries.iter().filter(|l| l.created_at < before).collect();
            gone.add_chunk(&log_chunks::Chunk { entries: removed }, -1);
            // Kept entries share the chunk's project, mock, status and minute.
            let chunk = log_chunks::Chunk { entries: kept };
            sqlx::query(
                "UPDATE request_log_chunks SET first_at = $2, last_at = $3, entries = $4, \
                 total_ms = $5, times = $6, body = $7 WHERE id = $1",
            )
            .bind(id(get_id(row, "id").map_err(backend)?))
            .bind(ts(chunk.first_at()))
            .bind(ts(chunk.last_at()))
            .bind(int(chunk.entries.len()))
            .bind(int(chunk.total_ms()))
            .bind(chunk.times())
            .bind(chunk.body())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        }
        forget_hours(&mut tx, org_id, &gone)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(deleted)
    }
}

/// Takes the deleted entries `gone` (negative totals) from the hourly totals
/// of `org_id`'s projects and drops the hours left empty.
async fn forget_hours(
    tx: &mut dialect::Tx,
    org_id: Uuid,
    gone: &log_hours::Hours,
) -> Result<(), sqlx::Error> {
    if gone.rows().is_empty() {
        return Ok(());
    }
    add_hours(tx, gone).await?;
    sqlx::query(
        "DELETE FROM request_log_hours WHERE requests <= 0 \
         AND project_id IN (SELECT id FROM projects WHERE org_id = $1)",
    )
    .bind(id(org_id))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Tally {
    /// Adds `requests` (of which `errors` failed, taking `total_ms`) to the
    /// bucket starting at `start` (Unix seconds).
    fn add(&mut self, start: i64, requests: u64, errors: u64, total_ms: u64) {
        let b = self.buckets.entry(start).or_insert_with(|| LogBucket {
            start: DateTime::from_timestamp(start, 0).unwrap_or_default(),
            requests: 0,
            errors: 0,
            total_ms: 0,
        });
        b.requests += requests;
        b.errors += errors;
        b.total_ms += total_ms;
    }

    /// The aggregates, per-mock counts most first, p95 by nearest rank.
    fn finish(self) -> LogStats {
        let mut by_mock: Vec<(Option<Uuid>, u64)> =
            self.by_mock.into_iter().filter(|(_, n)| *n > 0).collect();
        by_mock.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let buckets: Vec<LogBucket> = self
            .buckets
            .into_values()
            .filter(|b| b.requests > 0)
            .collect();
        let total: u64 = self.times.values().sum();
        LogStats {
            buckets,
            by_mock,
            p95_ms: if total == 0 {
                0
            } else {
                log_chunks::rank_of(&self.times, LogStats::p95_rank(total))
            },
        }
    }
}

#[async_trait]
impl UsageStore for Store {
    async fn add_usage(
        &self,
        org_id: Uuid,
        month: &str,
        requests: u64,
        bandwidth_bytes: u64,
    ) -> StoreResult<UsageRecord> {
        let row = sqlx::query(
            "INSERT INTO usage_stats (org_id, month, request_count, bandwidth_bytes, updated_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (org_id, month) DO UPDATE SET \
               request_count = usage_stats.request_count + excluded.request_count, \
               bandwidth_bytes = usage_stats.bandwidth_bytes + excluded.bandwidth_bytes, \
               updated_at = excluded.updated_at \
             RETURNING org_id, month, request_count, bandwidth_bytes",
        )
        .bind(id(org_id))
        .bind(month)
        .bind(int(requests))
        .bind(int(bandwidth_bytes))
        .bind(ts(clock::now()))
        .fetch_one(self.writer())
        .await
        .map_err(|e| super::support::write_err(e, "organization", org_id))?;
        convert::usage(&row).map_err(backend)
    }

    async fn claim_usage_alert(&self, org_id: Uuid, month: &str, percent: u8) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO usage_alerts (org_id, month, percent, sent_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (org_id, month, percent) DO NOTHING",
        )
        .bind(id(org_id))
        .bind(month)
        .bind(i16::from(percent))
        .bind(ts(clock::now()))
        .execute(self.writer())
        .await
        .map_err(|e| super::support::write_err(e, "organization", org_id))?;
        Ok(done.rows_affected() == 1)
    }

    async fn usage(&self, org_id: Uuid, month: &str) -> StoreResult<UsageRecord> {
        let row = sqlx::query(
            "SELECT org_id, month, request_count, bandwidth_bytes FROM usage_stats \
             WHERE org_id = $1 AND month = $2",
        )
        .bind(id(org_id))
        .bind(month)
        .fetch_optional(self.reader())
        .await
        .map_err(backend)?;
        match row {
            Some(row) => convert::usage(&row).map_err(backend),
            None => Ok(UsageRecord {
                org_id,
                month: month.to_owned(),
                request_count: 0,
                bandwidth_bytes: 0,
            }),
        }
    }
}
