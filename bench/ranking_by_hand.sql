-- The benchmark's round ranked by hand: the snapshot rows, result rows, figures and digest that
-- `jifen ranking run` stores for it, written as fast as we know how in plain SQL. It is the yardstick of
-- `python -m bench ranking` (the run against this script), and the benchmark checks that its rows and
-- digest equal the run's.
--
-- Hand-written for that round only: hukou transfer in Jiashan, points from each applicant's own rule
-- version (cached totals and subtotals), tie-breaks personal_quality (a category), social_insurance (an item type),
-- residence (a category) and the application time, then the lottery; the higher-ranked spouse serves
-- the family; a threshold; places per town (the nine towns below) and a second round capped per town.
-- The numbers come as parameters from the run's stored parameters: :tenant, :round, :run (the run whose
-- rows are reproduced; the rows carry its id), :seed, :origin (the day application times count from),
-- :threshold, :quotas (the towns' places, JSON), :quota, :cap (per cent of a town's places).
--
-- bench/ranking.py runs the statements in order in one transaction, as the database owner, into
-- bench_hand_inputs and bench_hand_results: tables made like ranking_inputs and ranking_results without
-- indexes, beforehand and untimed. Like a large run's own tables (jifen.ranking.run_tables), each gets
-- its primary key and indexes once its rows are written: one build instead of an update per row.

-- Compiling expressions (JIT) costs more than it saves on these statements once the planner knows
-- the row counts.
SET LOCAL jit = off;

-- 1. The snapshot: one row per competing application, in one statement.
INSERT INTO bench_hand_inputs (tenant_id, run_id, program_application_id, user_id, sub_quota, family_key, points,
                               tb1, tb2, tb3, tb4, lottery, amount)
SELECT pa.tenant_id, :run, pa.id, pa.user_id, pa.sub_quota,
       CASE WHEN sp.spouse_id IS NOT NULL THEN CAST(LEAST(pa.user_id, sp.spouse_id) AS TEXT) END,
       coalesce(ap.total_points, 0),
       -- the tie-break subtotals cached with each applicant's total (applications.subtotals)
       coalesce(CAST(ap.subtotals ->> 'c:personal_quality' AS NUMERIC(10, 2)), 0),
       coalesce(CAST(ap.subtotals ->> 't:social_insurance' AS NUMERIC(10, 2)), 0),
       coalesce(CAST(ap.subtotals ->> 'c:residence' AS NUMERIC(10, 2)), 0),
       GREATEST(-99999999.99, LEAST(99999999.99,
                ROUND(EXTRACT(EPOCH FROM CAST(:origin AS TIMESTAMP)) - EXTRACT(EPOCH FROM pa.applied_at), 2))),
       CAST(CAST('x' || substr(encode(sha256(convert_to(CAST(:seed AS TEXT) || ':' || CAST(pa.id AS TEXT), 'UTF8')),
                                      'hex'), 1, 15) AS BIT(60)) AS BIGINT),
       pa.amount
FROM program_applications pa
JOIN applications ap ON ap.tenant_id = pa.tenant_id AND ap.user_id = pa.user_id
                    AND ap.status IN ('confirmed', 'recheck_requested')
LEFT JOIN (
    SELECT user_id, min(linked_user_id) AS spouse_id
    FROM family_members
    WHERE tenant_id = :tenant AND relation = 'spouse' AND link_confirmed
      AND linked_user_id IN (SELECT user_id FROM program_applications
                             WHERE tenant_id = :tenant AND round_id = :round AND status = 'applied')
    GROUP BY user_id
) sp ON sp.user_id = pa.user_id
WHERE pa.tenant_id = :tenant AND pa.round_id = :round AND pa.status = 'applied';

-- Its key, and statistics for the rows just written (the planner's estimates are otherwise worthless).
ALTER TABLE bench_hand_inputs ADD PRIMARY KEY (tenant_id, run_id, program_application_id);
ANALYZE bench_hand_inputs;

-- 2. Couples: every spouse after the better-placed one is served through that one.
CREATE TEMPORARY TABLE bench_hand_losers ON COMMIT DROP AS
SELECT id, best_id FROM (
    SELECT program_application_id AS id, first_value(program_application_id) OVER f AS best_id,
           row_number() OVER f AS n
    FROM bench_hand_inputs
    WHERE tenant_id = :tenant AND run_id = :run AND family_key IS NOT NULL
    WINDOW f AS (PARTITION BY family_key
                 ORDER BY CAST(points * 100 AS BIGINT) DESC, CAST(tb1 * 100 AS BIGINT) DESC NULLS LAST,
                          CAST(tb2 * 100 AS BIGINT) DESC NULLS LAST, CAST(tb3 * 100 AS BIGINT) DESC NULLS LAST,
                          CAST(tb4 * 100 AS BIGINT) DESC NULLS LAST, lottery, program_application_id)
) AS family WHERE n > 1;

-- 3. The towns' places, and the places round 1 leaves for the second round.
CREATE TEMPORARY TABLE bench_hand_places ON COMMIT DROP AS
SELECT key AS sub_quota, CAST(value AS INTEGER) AS places FROM json_each_text(CAST(:quotas AS JSON));

CREATE TEMPORARY TABLE bench_hand_left ON COMMIT DROP AS
SELECT CAST(:quota AS INTEGER) - coalesce(sum(LEAST(p.places, c.competing)), 0) AS places
FROM bench_hand_places p
JOIN (SELECT sub_quota, count(*) AS competing FROM bench_hand_inputs
      WHERE tenant_id = :tenant AND run_id = :run AND points >= :threshold
        AND program_application_id NOT IN (SELECT id FROM bench_hand_losers)
      GROUP BY sub_quota) AS c ON c.sub_quota = p.sub_quota;

-- 4. The results: one sort in the total order; positions overall and per town are running counts, as
-- are the ranks among the competing, which decide round 1 and, in the same order, the second round.
INSERT INTO bench_hand_results (tenant_id, run_id, program_application_id, position, sub_quota, sub_position,
                                points, outcome, allocation_round, note, amount)
SELECT tenant_id, run_id, id, position, sub_quota, sub_position, points,
       CASE WHEN excluded = 1 THEN 'served_by_spouse' WHEN excluded = 2 THEN 'below_threshold'
            WHEN allocation_round IS NOT NULL THEN 'allocated' ELSE 'waitlisted' END,
       allocation_round,
       CASE WHEN excluded = 2 THEN 'below the threshold of ' || CAST(:threshold AS NUMERIC(10, 2)) || ' points' END,
       amount
FROM (
    SELECT *, CASE WHEN first THEN 1
                   WHEN second AND count(*) FILTER (WHERE second) OVER w2 <= (SELECT places FROM bench_hand_left)
                   THEN 2 END AS allocation_round
    FROM (
        SELECT *, excluded = 0 AND sub_rank <= places AS first,
               excluded = 0 AND sub_rank > places AND sub_rank <= places + places * CAST(:cap AS INTEGER) / 100
                   AS second
        FROM (
            SELECT *, row_number() OVER w AS position,
                   CASE sub_quota
             WHEN '魏塘街道' THEN count(*) FILTER (WHERE sub_quota = '魏塘街道') OVER w
             WHEN '罗星街道' THEN count(*) FILTER (WHERE sub_quota = '罗星街道') OVER w
             WHEN '惠民街道' THEN count(*) FILTER (WHERE sub_quota = '惠民街道') OVER w
             WHEN '大云镇' THEN count(*) FILTER (WHERE sub_quota = '大云镇') OVER w
             WHEN '西塘镇' THEN count(*) FILTER (WHERE sub_quota = '西塘镇') OVER w
             WHEN '干窑镇' THEN count(*) FILTER (WHERE sub_quota = '干窑镇') OVER w
             WHEN '陶庄镇' THEN count(*) FILTER (WHERE sub_quota = '陶庄镇') OVER w
             WHEN '姚庄镇' THEN count(*) FILTER (WHERE sub_quota = '姚庄镇') OVER w
             WHEN '天凝镇' THEN count(*) FILTER (WHERE sub_quota = '天凝镇') OVER w
                   END AS sub_position,
                   CASE sub_quota
             WHEN '魏塘街道' THEN count(*) FILTER (WHERE sub_quota = '魏塘街道' AND excluded = 0) OVER w
             WHEN '罗星街道' THEN count(*) FILTER (WHERE sub_quota = '罗星街道' AND excluded = 0) OVER w
             WHEN '惠民街道' THEN count(*) FILTER (WHERE sub_quota = '惠民街道' AND excluded = 0) OVER w
             WHEN '大云镇' THEN count(*) FILTER (WHERE sub_quota = '大云镇' AND excluded = 0) OVER w
             WHEN '西塘镇' THEN count(*) FILTER (WHERE sub_quota = '西塘镇' AND excluded = 0) OVER w
             WHEN '干窑镇' THEN count(*) FILTER (WHERE sub_quota = '干窑镇' AND excluded = 0) OVER w
             WHEN '陶庄镇' THEN count(*) FILTER (WHERE sub_quota = '陶庄镇' AND excluded = 0) OVER w
             WHEN '姚庄镇' THEN count(*) FILTER (WHERE sub_quota = '姚庄镇' AND excluded = 0) OVER w
             WHEN '天凝镇' THEN count(*) FILTER (WHERE sub_quota = '天凝镇' AND excluded = 0) OVER w
                   END AS sub_rank
            FROM (
                SELECT i.tenant_id, i.run_id, i.program_application_id AS id, i.sub_quota, i.points, i.amount,
                       CAST(i.points * 100 AS BIGINT) AS k0, CAST(i.tb1 * 100 AS BIGINT) AS k1,
                       CAST(i.tb2 * 100 AS BIGINT) AS k2, CAST(i.tb3 * 100 AS BIGINT) AS k3,
                       CAST(i.tb4 * 100 AS BIGINT) AS k4, i.lottery,
                       CASE WHEN l.id IS NOT NULL THEN 1 WHEN i.points < :threshold THEN 2 ELSE 0 END AS excluded,
                       coalesce(p.places, 0) AS places
                FROM bench_hand_inputs i
                LEFT JOIN bench_hand_losers l ON l.id = i.program_application_id
                LEFT JOIN bench_hand_places p ON p.sub_quota = i.sub_quota
                WHERE i.tenant_id = :tenant AND i.run_id = :run
            ) AS snapshot
            WINDOW w AS (ORDER BY k0 DESC, k1 DESC NULLS LAST, k2 DESC NULLS LAST, k3 DESC NULLS LAST,
                         k4 DESC NULLS LAST, lottery, id ROWS UNBOUNDED PRECEDING)
        ) AS ranked
    ) AS decided
    WINDOW w2 AS (ORDER BY k0 DESC, k1 DESC NULLS LAST, k2 DESC NULLS LAST, k3 DESC NULLS LAST,
                  k4 DESC NULLS LAST, lottery, id ROWS UNBOUNDED PRECEDING)
) AS allocated;

-- The results' key and order index, and their statistics.
ALTER TABLE bench_hand_results ADD PRIMARY KEY (tenant_id, run_id, program_application_id);
CREATE INDEX ON bench_hand_results (tenant_id, run_id, position);
ANALYZE bench_hand_results;

-- 5. The note of each spouse served through the other.
ANALYZE bench_hand_losers;
UPDATE bench_hand_results r
SET note = 'higher_ranked_spouse: the family competes with application ' || l.best_id || ' at position ' || b.position
FROM bench_hand_losers l
JOIN bench_hand_results b ON b.tenant_id = :tenant AND b.run_id = :run AND b.program_application_id = l.best_id
WHERE r.tenant_id = :tenant AND r.run_id = :run AND r.program_application_id = l.id;

-- 6. The run's figures: applications ranked, allocated, the cutoff.
SELECT count(*) AS inputs, count(*) FILTER (WHERE outcome = 'allocated') AS allocated,
       min(points) FILTER (WHERE outcome = 'allocated') AS cutoff
FROM bench_hand_results WHERE tenant_id = :tenant AND run_id = :run;

-- 7. The digest: SHA-256 of the canonical lines in position order, the application by its reference.
SELECT encode(sha256(convert_to(coalesce(string_agg(
           r.position || ',' || a.reference || ',' || r.points || ',' || r.outcome || ','
           || coalesce(CAST(r.allocation_round AS TEXT), '') || coalesce(',' || CAST(r.amount AS TEXT), '')
           || chr(10), '' ORDER BY r.position), ''), 'UTF8')), 'hex') AS digest
FROM bench_hand_results r
JOIN program_applications a ON a.tenant_id = r.tenant_id AND a.id = r.program_application_id
WHERE r.tenant_id = :tenant AND r.run_id = :run;
