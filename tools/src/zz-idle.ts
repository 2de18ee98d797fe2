import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { Fleet } from './fleet/fleet';
import { defaultFleetOptions } from './fleet/topology';
const ticks = (pid: number) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return Number(f[11]) + Number(f[12]); };
(async () => {
  const o = defaultFleetOptions(); o.basePort = 7500; o.workDir = '/tmp/idle-fleet'; o.databaseUrl = process.env.IDLE_DB;
  const fleet = new Fleet(o); await fleet.up();
  await new Promise((r) => setTimeout(r, 8000));
  const pids: Array<[string, number]> = fleet.services.map((s) => [s.name, fleet.pid(s.name)!]);
  if (o.databaseUrl) { const c = new Client({ connectionString: o.databaseUrl }); await c.connect(); const r = await c.query("select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()"); for (const row of r.rows) pids.push(['pg', row.pid]); await c.end(); }
  const a = pids.map(([, p]) => ticks(p)); await new Promise((r) => setTimeout(r, 30000)); const b = pids.map(([, p]) => ticks(p));
  const pct = (i: number) => ((b[i]! - a[i]!) / 100 / 30) * 100;
  const total = pids.reduce((t, _, i) => t + pct(i), 0);
  console.log(`idle fleet total ${total.toFixed(2)}% of one core; ${pids.map(([n], i) => `${n} ${pct(i).toFixed(2)}%`).join(', ')}`);
  await fleet.down();
})();
