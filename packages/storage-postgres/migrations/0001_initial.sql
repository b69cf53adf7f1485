-- 0001_initial: the tables and functions of the leadcall storage driver (StorageV1).
--
-- The schema placeholder (two braces around the word schema) is replaced by the quoted schema name
-- before this file runs; everything lives in that schema. Times are milliseconds since the epoch (double precision, like JavaScript numbers); JSON
-- is stored as `json`, which keeps the text exactly as written (key order included).

-- The clock of every time-based rule when the driver does not pass its own: the start of the
-- current statement, in ms since the epoch, shared by every process that uses the database.
CREATE FUNCTION {{schema}}.now_ms() RETURNS double precision
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT floor(extract(epoch FROM statement_timestamp()) * 1000)::double precision $$;

-- Keyed documents ---------------------------------------------------------------------------------

-- Versions of documents: one counter for the whole schema, so a version is never reused, not even
-- for a key deleted and written again.
CREATE SEQUENCE {{schema}}.document_versions AS bigint;

CREATE TABLE {{schema}}.documents (
  ns text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  value json NOT NULL,
  version bigint NOT NULL,
  -- NULL: never expires. A row whose expires_at has passed is invisible to every read and check.
  expires_at double precision,
  PRIMARY KEY (ns, key)
) WITH (fillfactor = 90);

-- For the periodic sweep of expired documents.
CREATE INDEX documents_expires_at ON {{schema}}.documents (expires_at) WHERE expires_at IS NOT NULL;

-- Reads documents by key (StorageV1.get / getMany), in one statement: the live rows of p_keys, each
-- with its position in p_keys (a key asked twice is returned twice).
--
-- A read waits for the commits in progress on its keys (a shared advisory lock per key; `atomic`
-- holds them exclusively until its commit is durable), then reads the latest committed rows. So a
-- read never returns a version that a commit already under way is replacing: an optimistic writer
-- that lost re-reads the state it must build on, rather than one already outdated, and commits
-- with a check that can hold (without this, two writers alternating on a hot key can starve one
-- of them for as long as each commit waits for its disk flush). A read of more than 64 keys only
-- waits for bulk commits (the namespace lock), not to exhaust the lock table.
CREATE FUNCTION {{schema}}.read_documents(
  p_ns text,
  p_keys text[],
  p_now double precision
) RETURNS TABLE (i bigint, value json, version bigint, expires_at double precision)
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(1818451315, hashtext(p_ns));
  IF cardinality(p_keys) <= 64 THEN
    PERFORM pg_advisory_xact_lock_shared(l.h)
    FROM (
      SELECT DISTINCT hashtextextended(k, hashtext(p_ns)) AS h FROM unnest(p_keys) AS k ORDER BY 1
    ) AS l;
  END IF;
  RETURN QUERY
    SELECT k.i, d.value, d.version, d.expires_at
    FROM unnest(p_keys) WITH ORDINALITY AS k(key, i)
    JOIN {{schema}}.documents d ON d.ns = p_ns AND d.key = k.key
    WHERE d.expires_at IS NULL
      OR d.expires_at > coalesce(p_now, floor(extract(epoch FROM clock_timestamp()) * 1000));
END
$$;

-- The keys among p_keys whose current version is not p_versions (NULL: must be absent or expired),
-- in the order of their first check, each once; NULL when every check holds.
CREATE FUNCTION {{schema}}.check_conflicts(
  p_ns text,
  p_keys text[],
  p_versions text[],
  p_now double precision
) RETURNS text[]
-- VOLATILE: each call reads with a fresh snapshot (the latest committed rows).
LANGUAGE sql VOLATILE
AS $$
  SELECT array_agg(c.key ORDER BY c.i)
  FROM (
    SELECT DISTINCT ON (c.key) c.key, c.i
    FROM unnest(p_keys, p_versions) WITH ORDINALITY AS c(key, version, i)
    LEFT JOIN {{schema}}.documents d
      ON d.ns = p_ns AND d.key = c.key AND (d.expires_at IS NULL OR d.expires_at > p_now)
    WHERE d.version::text IS DISTINCT FROM c.version
    ORDER BY c.key, c.i
  ) AS c
$$;

-- The all-or-nothing commit of StorageV1.atomic, in one statement (hence one round trip).
--
-- Concurrency: every key the operation reads or writes is locked with a transaction-scoped advisory
-- lock, in a fixed order (so two operations never deadlock), before anything is read; every
-- statement of this function then sees the latest committed state (READ COMMITTED takes a new
-- snapshot per statement). Operations touching a common key are therefore serialised, which makes
-- `atomic` linearizable. Each operation also holds a shared lock on its namespace; an operation on
-- more than 64 keys takes that namespace lock exclusively instead of one lock per key, so that bulk
-- commits never exhaust the lock table.
--
-- Checks are first evaluated without any lock: versions only ever grow (one sequence), so a check
-- that fails then can never hold again, and the operation fails at once, without waiting for the
-- locks of a commit in progress. Checks that pass are evaluated again under the locks.
--
-- Mutations: p_types[i] is 's' (set), 'd' (delete) or 'i' (increment), with p_keys[i], the JSON
-- text of a set in p_values[i], the TTL in ms in p_ttls[i] (NULL: none) and the amount of an
-- increment in p_bys[i]. p_now is the clock in ms (NULL: the database clock). With p_synchronous
-- false the commit does not wait for its WAL flush (synchronous_commit = off for this transaction),
-- so its locks are released at once; the driver then waits for the flush itself before answering
-- (commit mode `early-release`), or does not (`asynchronous`).
CREATE FUNCTION {{schema}}.atomic(
  p_ns text,
  p_check_keys text[],
  p_check_versions text[],
  p_types text[],
  p_keys text[],
  p_values text[],
  p_ttls double precision[],
  p_bys double precision[],
  p_now double precision,
  p_synchronous boolean
) RETURNS json
LANGUAGE plpgsql
AS $$
DECLARE
  v_now double precision;
  v_conflicts text[];
  v_versions jsonb := '{}';
  v_counters jsonb := '{}';
  v_count integer;
  v_key text;
  v_version bigint;
  v_value json;
  v_expires double precision;
  v_base double precision;
  v_next double precision;
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'leadcall storage needs the READ COMMITTED isolation level, not %',
      current_setting('transaction_isolation')
      USING ERRCODE = 'LCI01';
  END IF;

  IF cardinality(p_check_keys) > 0 THEN
    v_conflicts := {{schema}}.check_conflicts(p_ns, p_check_keys, p_check_versions,
      coalesce(p_now, floor(extract(epoch FROM clock_timestamp()) * 1000)));
    IF v_conflicts IS NOT NULL THEN
      RETURN json_build_object('ok', false, 'conflicts', v_conflicts);
    END IF;
  END IF;

  SELECT count(DISTINCT k) INTO v_count FROM unnest(p_check_keys || p_keys) AS k;
  IF v_count > 64 THEN
    PERFORM pg_advisory_xact_lock(1818451315, hashtext(p_ns));
  ELSE
    PERFORM pg_advisory_xact_lock_shared(1818451315, hashtext(p_ns));
    PERFORM pg_advisory_xact_lock(l.h)
    FROM (
      SELECT DISTINCT hashtextextended(k, hashtext(p_ns)) AS h
      FROM unnest(p_check_keys || p_keys) AS k
      ORDER BY 1
    ) AS l;
  END IF;
  -- Read the clock once the locks are held.
  v_now := coalesce(p_now, floor(extract(epoch FROM clock_timestamp()) * 1000));

  IF cardinality(p_check_keys) > 0 THEN
    v_conflicts := {{schema}}.check_conflicts(p_ns, p_check_keys, p_check_versions, v_now);
    IF v_conflicts IS NOT NULL THEN
      RETURN json_build_object('ok', false, 'conflicts', v_conflicts);
    END IF;
  END IF;
  IF NOT p_synchronous THEN
    PERFORM set_config('synchronous_commit', 'off', true);
  END IF;

  FOR i IN 1 .. coalesce(array_length(p_types, 1), 0) LOOP
    v_key := p_keys[i];
    IF p_types[i] = 'd' THEN
      DELETE FROM {{schema}}.documents WHERE ns = p_ns AND key = v_key;
      v_versions := v_versions - v_key;
      CONTINUE;
    END IF;

    IF p_types[i] = 's' THEN
      v_value := p_values[i]::json;
      v_expires := v_now + p_ttls[i];
    ELSE
      SELECT d.value, d.expires_at INTO v_value, v_expires
      FROM {{schema}}.documents d
      WHERE d.ns = p_ns AND d.key = v_key AND (d.expires_at IS NULL OR d.expires_at > v_now);
      IF FOUND THEN
        IF json_typeof(v_value) <> 'number' THEN
          RAISE EXCEPTION 'Cannot increment "%": its value is not a number', v_key
            USING ERRCODE = 'LCV01', DETAIL = v_key;
        END IF;
        v_base := v_value::text::double precision;
      ELSE
        v_base := 0;
        v_expires := v_now + p_ttls[i];
      END IF;
      BEGIN
        v_next := v_base + p_bys[i];
      EXCEPTION WHEN numeric_value_out_of_range THEN
        RAISE EXCEPTION 'Incrementing "%" overflows', v_key USING ERRCODE = 'LCV02', DETAIL = v_key;
      END;
      -- `+ 0` turns a negative zero into zero, as JSON.stringify does.
      v_value := to_json(v_next + 0);
      v_counters := v_counters || jsonb_build_object(v_key, v_value::text::jsonb);
    END IF;

    v_version := nextval('{{schema}}.document_versions');
    INSERT INTO {{schema}}.documents AS d (ns, key, value, version, expires_at)
    VALUES (p_ns, v_key, v_value, v_version, v_expires)
    ON CONFLICT (ns, key) DO UPDATE
      SET value = excluded.value, version = excluded.version, expires_at = excluded.expires_at;
    v_versions := v_versions || jsonb_build_object(v_key, v_version::text);
  END LOOP;

  RETURN json_build_object('ok', true, 'versions', v_versions, 'counters', v_counters);
END
$$;

-- Priority queues ---------------------------------------------------------------------------------

CREATE TABLE {{schema}}.queue_items (
  ns text COLLATE "C" NOT NULL,
  queue text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  priority double precision NOT NULL,
  score double precision NOT NULL,
  -- Enqueue order, the last tie-breaker of the queue order; renewed when the id is enqueued again.
  seq bigserial NOT NULL,
  available_at double precision NOT NULL,
  enqueued_at double precision NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  payload json NOT NULL,
  -- Set by a claim; the item is leased while lease_expires_at is in the future.
  lease_token text,
  lease_expires_at double precision,
  PRIMARY KEY (ns, queue, id)
) WITH (fillfactor = 90);

-- The queue order: claims and listings walk it from the front.
CREATE INDEX queue_items_order ON {{schema}}.queue_items (ns, queue, priority, score, seq);

-- Record streams ----------------------------------------------------------------------------------

CREATE TABLE {{schema}}.records (
  ns text COLLATE "C" NOT NULL,
  stream text COLLATE "C" NOT NULL,
  -- The record's time in ms since the epoch; `to_timestamp(time / 1000.0)` for a timestamptz.
  time bigint NOT NULL,
  -- Append order, the tie-breaker between records of the same time.
  seq bigserial NOT NULL,
  data json NOT NULL,
  -- Serves range queries (both directions) and trimming by age.
  PRIMARY KEY (ns, stream, time, seq)
);
