-- method: GET
-- variables:
-- Messages waiting per destination and how many of them are leased right now (metrics,
-- dashboard). A plain read with no locks: a slightly stale figure is fine for a gauge.
SELECT dst,
       count(*)::int AS depth,
       (count(*) FILTER (WHERE lease_until > now()))::int AS leased
FROM queue_item
GROUP BY dst
ORDER BY dst
