//! How request logs are laid out on disk: in chunks.
//!
//! The entries of one write batch that share a project, a mock (or none), a
//! response status and a UTC minute are one row of `request_log_chunks`: the
//! entries in a compact binary form (postcard), LZ4-compressed, next to what
//! analytics and paging need without reading them — how many, the first and last
//! instant, the summed response times and a histogram of them. Under load a
//! batch of 500 requests to one mock is one B-tree insert of a few kilobytes
//! instead of four B-tree inserts and ~400 bytes per entry, which is what let
//! request logging keep up with the mock server on one core (see
//! `benches/README.md`).
//!
//! A body is either a JSON array (it starts with `[`: chunks made by the
//! migration from one-row-per-entry logs, which SQL can write) or [`LZ4`]
//! followed by an LZ4 block, its size prepended, of the postcard encoding of
//! the entries. Each entry is [`Stored`]: the request without the fields its
//! chunk already holds. postcard is positional, so a change to `Stored`
//! needs a new first byte (and this reader kept for the old one).
//!
//! Reading stays exact. Counts and aggregates come from the chunk columns
//! where a chunk lies wholly inside the range asked for; the few chunks that
//! straddle a boundary are decoded. A page of entries comes from [`PageWalk`],
//! which picks the chunks that can hold it.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use mockbird_core::model::RequestLog;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// First byte of an LZ4-compressed body (JSON text starts with `[`).
pub(crate) const LZ4: u8 = 1;

/// Largest body a chunk decompresses to (500 entries of 64 KiB bodies fit).
const MAX_BODY: usize = 256 * 1024 * 1024;

/// One entry as a chunk stores it: what differs between the entries of a
/// chunk, the instant as microseconds since the Unix epoch. Written from
/// borrowed fields (`S = &str`, `M = &BTreeMap`), read into owned ones. The
/// short names and defaults are for the JSON the migration writes.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Stored<S, M> {
    id: Uuid,
    #[serde(rename = "m")]
    method: S,
    #[serde(rename = "p")]
    path: S,
    #[serde(rename = "h", default)]
    headers: M,
    #[serde(rename = "q", default)]
    query: M,
    #[serde(rename = "b", default)]
    body: Option<S>,
    #[serde(rename = "bt", default)]
    truncated: bool,
    #[serde(rename = "r", default)]
    response_id: Option<Uuid>,
    ms: u32,
    #[serde(default)]
    ip: Option<S>,
    #[serde(rename = "ua", default)]
    user_agent: Option<S>,
    at: i64,
}

type Map = BTreeMap<String, String>;

impl<'a> Stored<&'a str, &'a Map> {
    fn of(log: &'a RequestLog) -> Self {
        Stored {
            id: log.id,
            method: &log.request_method,
            path: &log.request_path,
            headers: &log.request_headers,
            query: &log.request_query,
            body: log.request_body.as_deref(),
            truncated: log.request_body_truncated,
            response_id: log.response_id,
            ms: log.response_time_ms,
            ip: log.ip_address.as_deref(),
            user_agent: log.user_agent.as_deref(),
            at: log.created_at.timestamp_micros(),
        }
    }
}

/// What every entry of a chunk shares, from the chunk's own columns.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shared {
    /// The project.
    pub(crate) project_id: Uuid,
    /// The mock (none for unmatched requests).
    pub(crate) mock_id: Option<Uuid>,
    /// The response status.
    pub(crate) status: u16,
}

impl Stored<String, Map> {
    fn into_log(self, shared: Shared) -> RequestLog {
        RequestLog {
            id: self.id,
            mock_id: shared.mock_id,
            project_id: shared.project_id,
            request_method: self.method,
            request_path: self.path,
            request_headers: self.headers,
            request_query: self.query,
            request_body: self.body,
            request_body_truncated: self.truncated,
            response_id: self.response_id,
            response_status: shared.status,
            response_time_ms: self.ms,
            ip_address: self.ip,
            user_agent: self.user_agent,
            created_at: DateTime::from_timestamp_micros(self.at).unwrap_or_default(),
        }
    }
}

/// The entries of one chunk, in the order they were written.
#[derive(Debug)]
pub(crate) struct Chunk<'a> {
    /// Every entry shares the project, the mock, the status and the minute.
    pub(crate) entries: Vec<&'a RequestLog>,
}

impl<'a> Chunk<'a> {
    /// The first entry's id: a retried batch makes the same chunks, so
    /// `ON CONFLICT (id) DO NOTHING` keeps retries from storing twice.
    pub(crate) fn id(&self) -> Uuid {
        self.first().id
    }

    fn first(&self) -> &'a RequestLog {
        self.entries[0]
    }

    /// The project.
    pub(crate) fn project_id(&self) -> Uuid {
        self.first().project_id
    }

    /// The mock, `None` for unmatched requests.
    pub(crate) fn mock_id(&self) -> Option<Uuid> {
        self.first().mock_id
    }

    /// The response status.
    pub(crate) fn status(&self) -> u16 {
        self.first().response_status
    }

    /// The earliest entry's instant.
    pub(crate) fn first_at(&self) -> DateTime<Utc> {
        self.entries
            .iter()
            .map(|e| e.created_at)
            .min()
            .unwrap_or_default()
    }

    /// The latest entry's instant.
    pub(crate) fn last_at(&self) -> DateTime<Utc> {
        self.entries
            .iter()
            .map(|e| e.created_at)
            .max()
            .unwrap_or_default()
    }

    /// Summed response times in milliseconds.
    pub(crate) fn total_ms(&self) -> u64 {
        self.entries
            .iter()
            .map(|e| u64::from(e.response_time_ms))
            .sum()
    }

    /// Response times as a JSON object `{"ms": count}` (the p95 of analytics).
    pub(crate) fn times(&self) -> String {
        let mut times: BTreeMap<u32, u64> = BTreeMap::new();
        for e in &self.entries {
            *times.entry(e.response_time_ms).or_default() += 1;
        }
        serde_json::to_string(&times).unwrap_or_else(|_| "{}".to_owned())
    }

    /// The entries as stored: [`LZ4`], the plain size (`u32`, little
    /// endian), then the LZ4 block of the postcard encoding of [`Stored`]s.
    pub(crate) fn body(&self) -> Vec<u8> {
        SCRATCH.with_borrow_mut(|(plain, packed)| {
            plain.clear();
            let entries = Entries(&self.entries);
            *plain = postcard::to_extend(&entries, std::mem::take(plain)).unwrap_or_default();
            let max = lz4_flex::block::get_maximum_output_size(plain.len());
            if packed.len() < max {
                packed.resize(max, 0);
            }
            let body = match lz4_flex::block::compress_into(plain, packed) {
                Ok(n) => {
                    let mut body = Vec::with_capacity(5 + n);
                    body.push(LZ4);
                    body.extend_from_slice(
                        &u32::try_from(plain.len()).unwrap_or(u32::MAX).to_le_bytes(),
                    );
                    body.extend_from_slice(&packed[..n]);
                    body
                }
                Err(_) => {
                    let mut body = vec![LZ4];
                    body.extend_from_slice(&lz4_flex::compress_prepend_size(plain));
                    body
                }
            };
            // Keep the buffers for the next chunk, unless an unusual one grew them large.
            for buf in [plain, packed] {
                if buf.capacity() > MAX_SCRATCH {
                    *buf = Vec::new();
                }
            }
            body
        })
    }
}

/// Scratch buffers kept across chunks larger than this are let go.
const MAX_SCRATCH: usize = 4 * 1024 * 1024;

thread_local! {
    /// Encoding buffers reused by [`Chunk::body`] (plain entries, compressed
    /// block), so each chunk does not allocate, zero and fault in its own.
    static SCRATCH: std::cell::RefCell<(Vec<u8>, Vec<u8>)> = Default::default();
}

/// A chunk's entries serialized one by one as [`Stored`], without collecting them first.
struct Entries<'a, 'b>(&'b [&'a RequestLog]);

impl Serialize for Entries<'_, '_> {
    fn serialize<Z: serde::Serializer>(&self, serializer: Z) -> Result<Z::Ok, Z::Error> {
        serializer.collect_seq(self.0.iter().map(|e| Stored::of(e)))
    }
}

/// Groups entries into chunks (project, mock, status, minute), each chunk's
/// entries in their given order, chunks in the order of their first entry.
pub(crate) fn group<'a>(logs: impl IntoIterator<Item = &'a RequestLog>) -> Vec<Chunk<'a>> {
    let mut chunks: Vec<Chunk<'a>> = Vec::new();
    let mut index: HashMap<(Uuid, Option<Uuid>, u16, i64), usize> = HashMap::new();
    for log in logs {
        let key = (
            log.project_id,
            log.mock_id,
            log.response_status,
            log.created_at.timestamp().div_euclid(60),
        );
        match index.get(&key) {
            Some(&i) => chunks[i].entries.push(log),
            None => {
                index.insert(key, chunks.len());
                chunks.push(Chunk { entries: vec![log] });
            }
        }
    }
    chunks
}

/// Why a chunk's body could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DecodeError {
    /// The LZ4 block is damaged or claims too large a size.
    #[error("log chunk: {0}")]
    Lz4(String),
    /// The entries are not the postcard expected.
    #[error("log chunk: {0}")]
    Binary(#[from] postcard::Error),
    /// The entries are not the JSON expected.
    #[error("log chunk: {0}")]
    Json(#[from] serde_json::Error),
}

/// A chunk's entries read back.
pub(crate) fn decode(body: &[u8], shared: Shared) -> Result<Vec<RequestLog>, DecodeError> {
    let entries: Vec<Stored<String, Map>> = match body.split_first() {
        Some((&LZ4, block)) => {
            let size = block.get(..4).map_or(usize::MAX, |b| {
                u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize
            });
            if size > MAX_BODY {
                return Err(DecodeError::Lz4(format!("size {size} over {MAX_BODY}")));
            }
            let plain = lz4_flex::decompress_size_prepended(block)
                .map_err(|e| DecodeError::Lz4(e.to_string()))?;
            postcard::from_bytes(&plain)?
        }
        _ => serde_json::from_slice(body)?,
    };
    Ok(entries.into_iter().map(|e| e.into_log(shared)).collect())
}

/// The nearest-rank entry of a histogram: the value at 0-based `rank` in sorted order.
pub(crate) fn rank_of(times: &BTreeMap<u32, u64>, rank: u64) -> u32 {
    let mut seen = 0;
    for (&ms, &n) in times {
        seen += n;
        if seen > rank {
            return ms;
        }
    }
    0
}

/// What a page walk knows of a chunk without reading its entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    /// The chunk.
    pub(crate) id: Uuid,
    /// Its earliest entry.
    pub(crate) first_at: DateTime<Utc>,
    /// Its latest entry.
    pub(crate) last_at: DateTime<Utc>,
    /// How many entries it holds.
    pub(crate) entries: u64,
    /// Whether every entry is inside the range asked for (else it straddles a
    /// boundary and only decoding tells how many are).
    pub(crate) whole: bool,
}

/// Picks the chunks that hold the entries at ranks `offset .. offset + limit`
/// of a walk, newest first or oldest first.
///
/// Chunks are pushed in walk order: newest first by `last_at` descending,
/// oldest first by `first_at` ascending. A leading chunk is skipped (counted,
/// not read) when all of it comes before the page and before every later
/// chunk. Then chunks are taken until they hold enough entries; the furthest
/// instant among those (`edge`) bounds the page, so every later chunk that
/// reaches past the edge is taken too, and the walk ends at the first that
/// does not.
#[derive(Debug)]
pub(crate) struct PageWalk {
    newest_first: bool,
    offset: u64,
    need: u64,
    skipping: bool,
    skipped: u64,
    collected: u64,
    far: Option<DateTime<Utc>>,
    edge: Option<DateTime<Utc>>,
    held: Option<Span>,
    taken: Vec<Uuid>,
    done: bool,
}

impl PageWalk {
    /// A walk for ranks `offset .. offset + limit`.
    pub(crate) fn new(newest_first: bool, offset: u64, limit: u64) -> Self {
        PageWalk {
            newest_first,
            offset,
            need: offset.saturating_add(limit.max(1)),
            skipping: true,
            skipped: 0,
            collected: 0,
            far: None,
            edge: None,
            held: None,
            taken: Vec::new(),
            done: false,
        }
    }

    /// The end of `s` met first in walk order.
    fn near(&self, s: &Span) -> DateTime<Utc> {
        if self.newest_first {
            s.last_at
        } else {
            s.first_at
        }
    }

    /// The end of `s` met last in walk order.
    fn far_end(&self, s: &Span) -> DateTime<Utc> {
        if self.newest_first {
            s.first_at
        } else {
            s.last_at
        }
    }

    /// Whether instant `a` comes strictly before `b` in walk order.
    fn before(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
        if self.newest_first { a > b } else { a < b }
    }

    /// Takes the next chunk in walk order; `false` once no later chunk can
    /// hold an entry of the page (stop reading).
    pub(crate) fn push(&mut self, span: Span) -> bool {
        if self.done {
            return false;
        }
        if let Some(held) = self.held.take() {
            self.skip_or_take(held, Some(&span));
        }
        if let Some(edge) = self.edge
            && self.before(edge, self.near(&span))
        {
            self.done = true;
            return false;
        }
        self.held = Some(span);
        true
    }

    fn take(&mut self, span: Span) {
        self.skipping = false;
        self.taken.push(span.id);
        let far = self.far_end(&span);
        if self.far.is_none_or(|f| self.before(f, far)) {
            self.far = Some(far);
        }
        if span.whole {
            self.collected += span.entries;
        }
        if self.edge.is_none() && self.skipped + self.collected >= self.need {
            self.edge = self.far;
        }
    }

    /// Ends the walk: how many entries were skipped before the page, and the
    /// chunks to read (the page is ranks `offset - skipped ..` of their
    /// entries, in walk order).
    pub(crate) fn finish(mut self) -> (u64, Vec<Uuid>) {
        if let Some(held) = self.held.take() {
            self.skip_or_take(held, None);
        }
        (self.skipped, self.taken)
    }

    /// Skips `held` if all of it comes before the page and before `next`
    /// (the chunk after it in walk order; none when it was the last), else takes it.
    fn skip_or_take(&mut self, held: Span, next: Option<&Span>) {
        let skip = self.skipping
            && held.whole
            && self.skipped + held.entries <= self.offset
            && next.is_none_or(|n| self.before(self.far_end(&held), self.near(n)));
        if skip {
            self.skipped += held.entries;
        } else {
            self.take(held);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    fn span(n: u128, first: i64, last: i64, entries: u64) -> Span {
        Span {
            id: Uuid::from_u128(n),
            first_at: at(first),
            last_at: at(last),
            entries,
            whole: true,
        }
    }

    fn walk(
        newest_first: bool,
        offset: u64,
        limit: u64,
        spans: &[Span],
    ) -> (u64, Vec<u128>, usize) {
        let mut w = PageWalk::new(newest_first, offset, limit);
        let mut read = 0;
        for s in spans {
            read += 1;
            if !w.push(*s) {
                break;
            }
        }
        let (skipped, ids) = w.finish();
        (skipped, ids.iter().map(|u| u.as_u128()).collect(), read)
    }

    #[test]
    fn disjoint_chunks_before_the_page_are_skipped_and_the_walk_stops_after_it() {
        // Newest first: chunks of 10 entries, one per 10 s, none overlapping.
        let spans: Vec<Span> = (0..10u128)
            .map(|i| {
                let t = 100 - 10 * i as i64;
                span(i, t - 9, t, 10)
            })
            .collect();
        // Ranks 25..30: chunks 0 and 1 skipped (20 entries), chunk 2 read.
        let (skipped, ids, read) = walk(true, 25, 5, &spans);
        assert_eq!((skipped, ids), (20, vec![2]));
        assert_eq!(read, 4, "stops at the first chunk past the page");
        // Page 1 of 20: chunks 0 and 1.
        assert_eq!(walk(true, 0, 20, &spans).1, vec![0, 1]);
    }

    #[test]
    fn overlapping_chunks_are_all_read() {
        // Two mocks' chunks covering the same seconds, then an older one.
        let spans = [span(1, 50, 60, 5), span(2, 40, 59, 5), span(3, 10, 20, 5)];
        let (skipped, ids, _) = walk(true, 0, 3, &spans);
        assert_eq!(skipped, 0);
        assert_eq!(
            ids,
            vec![1, 2],
            "chunk 2 reaches past chunk 1's oldest entry"
        );
        // An overlapping chunk is never skipped, even before the page.
        assert_eq!(walk(true, 5, 3, &spans).0, 0);
        // The edge is the oldest entry the taken chunks may hold: a chunk
        // newer than that is read even after enough entries were found.
        let spans = [
            span(1, 50, 60, 2),
            span(2, 30, 58, 2),
            span(3, 35, 45, 1),
            span(4, 0, 29, 9),
        ];
        assert_eq!(walk(true, 0, 4, &spans).1, vec![1, 2, 3]);
    }

    #[test]
    fn straddling_chunks_do_not_count_towards_the_page() {
        let mut partial = span(1, 50, 60, 100);
        partial.whole = false;
        let spans = [partial, span(2, 30, 40, 5), span(3, 10, 20, 5)];
        let (skipped, ids, _) = walk(true, 0, 5, &spans);
        assert_eq!((skipped, ids), (0, vec![1, 2]));
    }

    #[test]
    fn oldest_first_walks_forward() {
        let spans = [span(1, 0, 10, 3), span(2, 5, 30, 3), span(3, 40, 50, 3)];
        assert_eq!(walk(false, 0, 3, &spans).1, vec![1, 2]);
        assert_eq!(walk(false, 0, 7, &spans).1, vec![1, 2, 3]);
    }

    #[test]
    fn a_page_past_the_end_reads_nothing() {
        let spans = [span(1, 50, 60, 5), span(2, 30, 40, 5)];
        let (skipped, ids, _) = walk(true, 20, 5, &spans);
        assert_eq!((skipped, ids), (10, vec![]));
    }

    #[test]
    fn chunks_group_by_project_mock_status_and_minute() {
        let base = RequestLog {
            id: Uuid::from_u128(1),
            mock_id: Some(Uuid::from_u128(9)),
            project_id: Uuid::from_u128(8),
            request_method: "GET".into(),
            request_path: "/x".into(),
            request_headers: Default::default(),
            request_query: Default::default(),
            request_body: None,
            request_body_truncated: false,
            response_id: None,
            response_status: 200,
            response_time_ms: 3,
            ip_address: None,
            user_agent: None,
            created_at: at(0),
        };
        let with = |id: u128, status: u16, secs: i64, ms: u32| RequestLog {
            id: Uuid::from_u128(id),
            response_status: status,
            created_at: at(secs),
            response_time_ms: ms,
            ..base.clone()
        };
        // at(0) is 1_800_000_000 s, minute-aligned.
        let logs = [
            with(1, 200, 1, 3),
            with(2, 500, 2, 7),
            with(3, 200, 3, 3),
            with(4, 200, 61, 4),
        ];
        let chunks = group(&logs);
        let ids: Vec<Vec<u128>> = chunks
            .iter()
            .map(|c| c.entries.iter().map(|e| e.id.as_u128()).collect())
            .collect();
        assert_eq!(ids, vec![vec![1, 3], vec![2], vec![4]]);
        let c = &chunks[0];
        assert_eq!(
            (c.id(), c.status(), c.total_ms()),
            (Uuid::from_u128(1), 200, 6)
        );
        assert_eq!((c.first_at(), c.last_at()), (at(1), at(3)));
        assert_eq!(c.times(), r#"{"3":2}"#);
        let shared = Shared {
            project_id: base.project_id,
            mock_id: base.mock_id,
            status: 200,
        };
        let body = c.body();
        assert_eq!(body[0], LZ4);
        assert_eq!(
            decode(&body, shared).unwrap(),
            vec![logs[0].clone(), logs[2].clone()]
        );
        // Every field survives, absent ones included.
        let full = RequestLog {
            request_headers: [("accept".into(), "*/*".into())].into(),
            request_query: [("q".into(), "é \"x\"".into())].into(),
            request_body: Some("{}".into()),
            request_body_truncated: true,
            response_id: Some(Uuid::from_u128(5)),
            ip_address: Some("::1".into()),
            user_agent: Some("curl/8".into()),
            created_at: at(7) + chrono::Duration::microseconds(123_456),
            ..base.clone()
        };
        let one = group([&full]);
        assert_eq!(decode(&one[0].body(), shared).unwrap(), vec![full]);
        // Plain JSON (chunks made by the migration) reads too.
        let plain = br#"[{"id":"00000000-0000-0000-0000-000000000001","m":"GET","p":"/x","ms":3,"at":1800000000000000}]"#;
        assert_eq!(decode(plain, shared).unwrap(), vec![base.clone()]);
        assert!(decode(&[LZ4, 255, 255, 255, 255], shared).is_err());
        let hist = BTreeMap::from([(3, 2), (10, 1)]);
        assert_eq!((rank_of(&hist, 1), rank_of(&hist, 2)), (3, 10));
    }
}
