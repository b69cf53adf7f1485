-- 0002_process_analytics: process records as rows, and tracking analytics computed in SQL.
--
-- Tracking keeps one document `record:<processId>` per lead process (the latest ProcessRecord) and
-- one entry `{ "processId": … }` in the record stream `process-records` at the time the lead was
-- received. The view below joins the two: a period query is a range of the primary key of
-- `records` (ns, stream, time, seq) — one index range scan whatever the table's size — and one
-- primary-key probe of `documents` per process.

-- One row per process record, with the fields analytics need as columns, and the whole record.
-- The figures follow tracking's own rules (the same as the counters `tracking.analytics()` reads):
-- a process counts for the time it was received; `dial_ms` and `answer_ms` are measured from then
-- to the first dial and the first answer; `talk_sec` is the rounded talk time of the call result.
CREATE VIEW {{schema}}.process_records AS
SELECT
  r.ns AS tenant,
  r.data ->> 'processId' AS process_id,
  r.time AS received_ms,
  to_timestamp(r.time / 1000.0) AS received_at,
  d.value ->> 'type' AS type,
  d.value ->> 'status' AS status,
  d.value ->> 'finalStatus' AS final_status,
  d.value #>> '{agent,id}' AS agent_id,
  d.value #>> '{agent,name}' AS agent_name,
  nullif(d.value ->> 'errorCode', '') AS error_code,
  d.value #>> '{metadata,source}' AS source,
  s.routing ->> 'pool' AS pool,
  CASE WHEN json_typeof(d.value -> 'processingTimeMs') = 'number'
    THEN (d.value ->> 'processingTimeMs')::double precision END AS processing_ms,
  CASE WHEN s.dial_at IS NOT NULL THEN greatest(0, (extract(epoch FROM s.dial_at::timestamptz)
    - extract(epoch FROM (d.value ->> 'timestamp')::timestamptz)) * 1000)::double precision END AS dial_ms,
  CASE WHEN s.answer_at IS NOT NULL THEN greatest(0, (extract(epoch FROM s.answer_at::timestamptz)
    - extract(epoch FROM (d.value ->> 'timestamp')::timestamptz)) * 1000)::double precision END AS answer_ms,
  CASE WHEN d.value ->> 'status' = 'completed' AND json_typeof(s.talk) = 'number'
      AND s.talk::text::double precision > 0
    THEN round(s.talk::text::numeric)::integer ELSE 0 END AS talk_sec,
  CASE WHEN json_typeof(s.assignments) = 'array' THEN s.assignments ELSE '[]'::json END AS assignments,
  d.value AS record
FROM {{schema}}.records r
JOIN {{schema}}.documents d ON d.ns = r.ns AND d.key = 'record:' || (r.data ->> 'processId')
CROSS JOIN LATERAL (
  SELECT
    (SELECT CASE WHEN json_typeof(x -> 'detail' -> 'firstDialAt') = 'string'
       THEN x -> 'detail' ->> 'firstDialAt' END
     FROM json_array_elements(d.value -> 'steps') x WHERE x ->> 'name' = 'dial' LIMIT 1) AS dial_at,
    (SELECT CASE WHEN json_typeof(x -> 'detail' -> 'firstAnsweredAt') = 'string'
       THEN x -> 'detail' ->> 'firstAnsweredAt' END
     FROM json_array_elements(d.value -> 'steps') x WHERE x ->> 'name' = 'track' LIMIT 1) AS answer_at,
    (SELECT x -> 'detail' -> 'talkSec'
     FROM json_array_elements(d.value -> 'steps') x WHERE x ->> 'name' = 'track' LIMIT 1) AS talk,
    (SELECT x -> 'detail' -> 'assignments'
     FROM json_array_elements(d.value -> 'steps') x WHERE x ->> 'name' = 'distribute' LIMIT 1)
      AS assignments,
    (SELECT CASE WHEN json_typeof(x -> 'detail' -> 'routing') = 'object' THEN x -> 'detail' -> 'routing' END
     FROM json_array_elements(d.value -> 'steps') x WHERE x ->> 'name' = 'distribute' LIMIT 1)
      AS routing
) s
WHERE r.stream = 'process-records'
  AND (d.expires_at IS NULL OR d.expires_at > {{schema}}.now_ms());

-- Analytics of the processes of tenant p_ns received in [p_from, p_to) (ms since the epoch), as
-- the JSON of leadcall's `Analytics`: totals (counts, success rate, errors by code, per-agent
-- figures, balance, and exact percentiles — `percentile_cont`, linear interpolation between the
-- closest ranks — of processing time, speed to dial and speed to answer) and a series grouped by
-- p_group_by: `day` (every day of the period in p_tz, empty ones included), `hour` (0–23 in p_tz),
-- `weekday` (0 = Sunday … 6 in p_tz) or `agent` (assigned, answered, failed per agent).
CREATE FUNCTION {{schema}}.process_analytics(
  p_ns text,
  p_from bigint,
  p_to bigint,
  p_tz text,
  p_group_by text
) RETURNS json
LANGUAGE sql STABLE
AS $$
  WITH p AS (
    SELECT pr.*, pr.received_at AT TIME ZONE p_tz AS local_at
    FROM {{schema}}.process_records pr
    WHERE pr.tenant = p_ns AND pr.received_ms >= p_from AND pr.received_ms < p_to
  ),
  assigned AS (
    SELECT a ->> 'agentId' AS agent_id, count(*) AS n
    FROM p CROSS JOIN LATERAL json_array_elements(p.assignments) AS a
    WHERE json_typeof(a -> 'agentId') = 'string'
    GROUP BY 1
  ),
  handled AS (
    SELECT p.agent_id,
      count(*) FILTER (WHERE p.status = 'completed') AS answered,
      count(*) FILTER (WHERE p.status = 'failed') AS failed,
      coalesce(sum(p.talk_sec) FILTER (WHERE p.status = 'completed'), 0) AS talk,
      (array_agg(p.agent_name ORDER BY p.received_ms DESC)
        FILTER (WHERE p.status IN ('completed', 'failed')))[1] AS name
    FROM p
    WHERE p.agent_id IS NOT NULL
    GROUP BY 1
  ),
  named AS (
    SELECT p.agent_id, (array_agg(p.agent_name ORDER BY p.received_ms DESC))[1] AS name
    FROM p WHERE p.agent_id IS NOT NULL GROUP BY 1
  ),
  agents AS (
    SELECT
      coalesce(a.agent_id, h.agent_id) AS agent_id,
      coalesce(h.name, n.name, coalesce(a.agent_id, h.agent_id)) AS name,
      coalesce(a.n, 0) AS assigned,
      coalesce(h.answered, 0) AS answered,
      coalesce(h.failed, 0) AS failed,
      coalesce(h.talk, 0) AS talk
    FROM assigned a
    FULL JOIN (SELECT * FROM handled WHERE answered > 0 OR failed > 0) h ON h.agent_id = a.agent_id
    LEFT JOIN named n ON n.agent_id = coalesce(a.agent_id, h.agent_id)
  ),
  totals AS (
    SELECT
      count(*) AS total,
      count(*) FILTER (WHERE status = 'completed') AS ok,
      count(*) FILTER (WHERE status = 'failed') AS fail,
      count(*) FILTER (WHERE status = 'rejected') AS rejected,
      count(processing_ms) AS n_processing,
      count(dial_ms) AS n_dial,
      count(answer_ms) AS n_answer,
      percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY processing_ms) AS q_processing,
      percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY dial_ms) AS q_dial,
      percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY answer_ms) AS q_answer
    FROM p
  ),
  errors AS (
    SELECT coalesce(json_object_agg(e.code, e.n ORDER BY e.code), '{}'::json) AS by_code
    FROM (
      SELECT error_code AS code, count(*) AS n FROM p
      WHERE status IN ('failed', 'rejected') AND error_code IS NOT NULL
      GROUP BY 1
    ) e
  ),
  balance AS (
    SELECT
      coalesce(max(assigned), 0) AS max_assigned,
      coalesce(min(assigned), 0) AS min_assigned,
      CASE WHEN avg(assigned) > 0 THEN stddev_pop(assigned) / avg(assigned) END AS cv
    FROM agents
  ),
  series AS (
    SELECT k.key, k.ord,
      count(p.process_id) AS total,
      count(p.process_id) FILTER (WHERE p.status = 'completed') AS ok,
      count(p.process_id) FILTER (WHERE p.status = 'failed') AS fail
    FROM (
      SELECT to_char(d, 'YYYY-MM-DD') AS key, row_number() OVER (ORDER BY d) AS ord
      FROM generate_series(
        date_trunc('day', to_timestamp(p_from / 1000.0) AT TIME ZONE p_tz),
        date_trunc('day', to_timestamp((p_to - 1) / 1000.0) AT TIME ZONE p_tz),
        interval '1 day'
      ) AS d
      WHERE p_group_by = 'day'
      UNION ALL
      SELECT h::text, h FROM generate_series(0, 23) AS h WHERE p_group_by = 'hour'
      UNION ALL
      SELECT w::text, w FROM generate_series(0, 6) AS w WHERE p_group_by = 'weekday'
    ) k
    LEFT JOIN p ON k.key = CASE p_group_by
      WHEN 'day' THEN to_char(p.local_at, 'YYYY-MM-DD')
      WHEN 'hour' THEN extract(hour FROM p.local_at)::int::text
      ELSE extract(dow FROM p.local_at)::int::text
    END
    GROUP BY k.key, k.ord
    UNION ALL
    SELECT agent_id, NULL, assigned, answered, failed FROM agents WHERE p_group_by = 'agent'
  )
  SELECT json_build_object(
    'totals', json_build_object(
      'totalProcesses', t.total,
      'successfulCalls', t.ok,
      'failedCalls', t.fail,
      'rejected', t.rejected,
      'successRate', CASE WHEN t.ok + t.fail > 0 THEN t.ok::double precision / (t.ok + t.fail) END,
      'errorsByCode', (SELECT by_code FROM errors),
      'agents', coalesce((
        SELECT json_agg(json_build_object(
          'agentId', a.agent_id,
          'name', a.name,
          'assigned', a.assigned,
          'answered', a.answered,
          'failed', a.failed,
          'successRate', CASE WHEN a.assigned > 0 THEN a.answered::double precision / a.assigned END,
          'talkSec', a.talk
        ) ORDER BY a.agent_id COLLATE "C")
        FROM agents a
      ), '[]'::json),
      'processingTime', json_build_object('p50', t.q_processing[1], 'p95', t.q_processing[2],
        'p99', t.q_processing[3], 'count', t.n_processing),
      'speedToDial', json_build_object('p50', t.q_dial[1], 'p95', t.q_dial[2],
        'p99', t.q_dial[3], 'count', t.n_dial),
      'speedToAnswer', json_build_object('p50', t.q_answer[1], 'p95', t.q_answer[2],
        'p99', t.q_answer[3], 'count', t.n_answer),
      'balance', (SELECT json_build_object('maxAssigned', b.max_assigned, 'minAssigned', b.min_assigned,
        'coefficientOfVariation', b.cv) FROM balance b)
    ),
    'series', coalesce((
      SELECT json_agg(json_build_object('key', s.key, 'totalProcesses', s.total,
        'successfulCalls', s.ok, 'failedCalls', s.fail) ORDER BY s.ord, s.key COLLATE "C")
      FROM series s
    ), '[]'::json)
  )
  FROM totals t
$$;
