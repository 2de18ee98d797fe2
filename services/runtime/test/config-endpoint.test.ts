import request from 'supertest';
import { createServiceApp } from '../src/http-app';
import { ServiceMetrics } from '../src/metrics';
import type { ConfigurationReport } from '../src/config-report';

const view = {
  epoch: 0,
  startSlot: 1,
  acceptors: ['acceptor-0'],
  leaders: ['leader-0'],
  replicas: ['replica-0'],
  window: 16,
};

function app(configuration: () => ConfigurationReport | null) {
  return createServiceApp({
    role: 'replica',
    processId: 'replica-0',
    isReady: () => true,
    describe: () => ({}),
    metrics: new ServiceMetrics('replica-0', 'replica'),
    configuration,
  });
}

describe('GET /config', () => {
  it('answers the role hook, with the process and its role', async () => {
    const r = await request(
      app(() => ({ member: true, epoch: 0, inForce: view, pending: null, schedule: [view] })),
    )
      .get('/config')
      .expect(200);
    expect(r.body).toEqual({
      processId: 'replica-0',
      role: 'replica',
      member: true,
      epoch: 0,
      inForce: view,
      pending: null,
      schedule: [view],
    });
  });

  it('503 retryable while the role is recovering', async () => {
    const r = await request(app(() => null))
      .get('/config')
      .expect(503);
    expect(r.body).toMatchObject({ retryable: true });
    expect(r.body.error).toMatch(/recovering/);
  });
});
