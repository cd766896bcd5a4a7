import { RateLimiter } from '../../lambda/app/campaign/rate-limiter';
import { deliverCampaign, planCampaign, QuotaExceededError } from '../../lambda/app/campaign/run-campaign';
import { ConcurrentUpdateError, LineApiError } from '../../lambda/app/errors';
import { leaveGroup } from '../../lambda/app/leave-group';
import { closeCoupon, registerCoupon, setGroupCoupon } from '../../lambda/app/manage-coupons';
import type {
  CampaignStore,
  GroupDirectory,
  GroupRegistry,
  PushSender,
  StoredGroup,
} from '../../lambda/app/ports';
import type { Campaign, Delivery } from '../../lambda/domain/campaign';
import type { Coupon } from '../../lambda/domain/coupons';
import type { Group } from '../../lambda/domain/group';
import { Recorder } from '../support/webhook-harness';

// The operators' use cases on in-memory ports: no DynamoDB, no HTTP. (The same use cases run on
// DynamoDB Local and the emulator in test/app/campaign.test.ts and the end-to-end tests.)

const group = (groupId: string, status: Group['status'] = 'active', memberCount = 3): Group => ({
  groupId,
  chatType: 'group',
  firstSeenAt: '2026-11-01T00:00:00.000Z',
  joinedAt: '2026-11-01T00:00:00.000Z',
  joinCount: 1,
  status,
  statusChangedAt: '2026-11-01T00:00:00.000Z',
  memberCount,
});

class MemoryCampaignStore implements CampaignStore {
  campaigns = new Map<string, Campaign>();
  rows = new Map<string, Delivery>();
  async createOrGet(c: Campaign) {
    if (!this.campaigns.has(c.campaignId)) this.campaigns.set(c.campaignId, c);
    return this.campaigns.get(c.campaignId)!;
  }
  async get(id: string) {
    return this.campaigns.get(id);
  }
  async update(id: string, fields: Partial<Campaign>) {
    Object.assign(this.campaigns.get(id)!, fields);
  }
  async getMany(campaignId: string, ids: string[]) {
    return new Map(
      ids.flatMap((g) =>
        this.rows.has(`${campaignId}/${g}`) ? [[g, this.rows.get(`${campaignId}/${g}`)!]] : [],
      ),
    );
  }
  async putMany(ds: Delivery[]) {
    for (const d of ds) this.rows.set(`${d.campaignId}/${d.groupId}`, { ...d });
  }
  async settle(d: Delivery, status: Delivery['status'], attempts: number, reason?: string) {
    const row = this.rows.get(`${d.campaignId}/${d.groupId}`)!;
    if (row.status === 'sent' || row.status === 'skipped') return false;
    Object.assign(row, { status, attempts, ...(reason && { reason }) });
    return true;
  }
  async list() {
    return [...this.campaigns.values()];
  }
  async deliveries(campaignId: string) {
    return [...this.rows.values()].filter((d) => d.campaignId === campaignId);
  }
}

const directory = (groups: Group[]): Pick<GroupDirectory, 'pagesByStatus' | 'getMany'> => ({
  async *pagesByStatus(status) {
    yield groups.filter((g) => g.status === status);
  },
  async getMany(ids) {
    return new Map(groups.filter((g) => ids.includes(g.groupId)).map((g) => [g.groupId, g]));
  },
});

describe('campaigns on ports', () => {
  const deps = (groups: Group[], line: PushSender) => {
    const recorder = new Recorder();
    return {
      registry: directory(groups),
      store: new MemoryCampaignStore(),
      line,
      limiter: new RateLimiter(100_000),
      log: recorder,
      telemetry: recorder,
      now: () => new Date('2026-11-25T00:00:00.000Z'),
      concurrency: 4,
      maxAttempts: 3,
      sleep: async () => undefined,
    };
  };
  const spec = { campaignId: 'c1', couponId: 'k1', messages: [{ type: 'coupon', couponId: 'k1' }] };

  it('plans the active groups and refuses what the quota cannot pay (a push costs one per member)', async () => {
    const line: PushSender = { push: async () => undefined, remainingQuota: async () => 10 };
    const d = deps([group('C1', 'active', 6), group('C2', 'active', 6), group('C3', 'left')], line);
    await expect(planCampaign(spec, { ignoreQuota: false }, d)).rejects.toThrow(QuotaExceededError);
    const plan = await planCampaign(spec, { ignoreQuota: true }, d);
    expect(plan).toMatchObject({ groupIds: ['C1', 'C2'], cost: 12, remainingQuota: 10 });
  });

  it("pushes each group once: LINE's 409 for a retry key counts as sent, a 500 is retried, a group that left is skipped", async () => {
    const pushed: string[] = [];
    let failures = 1;
    const line: PushSender = {
      remainingQuota: async () => undefined,
      async push(to) {
        if (to === 'C2') throw new LineApiError(409, 'accepted before', undefined, 'req-1');
        if (to === 'C3' && failures-- > 0) throw new LineApiError(500, 'LINE is down');
        pushed.push(to);
      },
    };
    const groups = [group('C1'), group('C2'), group('C3'), group('C4', 'left')];
    const d = deps(groups, line);
    const { campaign } = await planCampaign(spec, { ignoreQuota: false }, d);
    const outcomes: string[] = [];
    await deliverCampaign(campaign, ['C1', 'C2', 'C3', 'C4'], d, (g, o) => outcomes.push(`${g}:${o}`));
    expect(pushed.sort()).toEqual(['C1', 'C3']);
    expect(outcomes.sort()).toEqual(['C1:sent', 'C2:sent', 'C3:sent', 'C4:skipped']);
    // Run again: nothing is pushed twice.
    await deliverCampaign(campaign, ['C1', 'C2', 'C3', 'C4'], d);
    expect(pushed.sort()).toEqual(['C1', 'C3']);
  });
});

describe('coupons on ports', () => {
  const deps = () => {
    const coupons = new Map<string, Coupon>();
    const settings = { groupCoupon: undefined as string | undefined, keywords: new Map<string, string>() };
    return {
      coupons: {
        put: async (c: Coupon) => void coupons.set(c.couponId, c),
        get: async (id: string) => coupons.get(id),
        list: async () => [...coupons.values()],
      },
      settings: {
        groupCouponId: async () => settings.groupCoupon,
        setGroupCoupon: async (id: string | undefined) => void (settings.groupCoupon = id),
        setCouponKeyword: async (k: string, id: string) => void settings.keywords.set(k, id),
        removeCouponKeyword: async (k: string, id: string) =>
          void (settings.keywords.get(k) === id && settings.keywords.delete(k)),
      },
      line: {
        createCoupon: async () => ({ couponId: 'new' }),
        getCoupon: async () =>
          ({
            title: 'ドリンク無料',
            startTimestamp: 1_795_000_000,
            endTimestamp: 1_796_000_000,
            status: 'RUNNING',
          }) as never,
        closeCoupon: async () => undefined,
      },
      now: () => new Date('2026-11-25T00:00:00.000Z'),
      state: settings,
    };
  };

  it('registers a coupon from LINE, makes it the group coupon, and closing it clears both', async () => {
    const d = deps();
    const coupon = await registerCoupon('K9', 'ドリンク', d);
    expect(coupon).toMatchObject({
      couponId: 'K9',
      title: 'ドリンク無料',
      status: 'RUNNING',
      keyword: 'ドリンク',
    });
    await setGroupCoupon('K9', d);
    expect(d.state.groupCoupon).toBe('K9');
    expect((await closeCoupon('K9', d)).status).toBe('CLOSED');
    expect(d.state.groupCoupon).toBeUndefined();
    expect(d.state.keywords.size).toBe(0);
    await expect(setGroupCoupon('K9', d)).rejects.toThrow('closed');
  });

  it('setting a coupon made in LINE Official Account Manager registers it from LINE in the same step', async () => {
    const d = deps();
    expect(await setGroupCoupon('OA1', d)).toMatchObject({ couponId: 'OA1', title: 'ドリンク無料' });
    expect(d.state.groupCoupon).toBe('OA1');
    expect(await d.coupons.get('OA1')).toBeDefined();
  });

  it("LINE's answer is checked: a time out of range is refused naming the field, and nothing is set", async () => {
    const d = deps();
    d.line.getCoupon = async () =>
      ({ title: 'x', startTimestamp: 1_795_000_000, endTimestamp: 9e15, status: 'RUNNING' }) as never;
    await expect(setGroupCoupon('BAD', d)).rejects.toThrow(
      "LINE's answer for coupon BAD has endTimestamp 9000000000000000, which is not a time",
    );
    expect(d.state.groupCoupon).toBeUndefined();
    expect(await d.coupons.get('BAD')).toBeUndefined();
  });
});

describe('leaving a group on ports', () => {
  it('records the request before asking LINE, and tries again when the chat changed meanwhile', async () => {
    const calls: string[] = [];
    let version = 1;
    let conflicts = 1;
    const stored = (): StoredGroup => ({ group: group('C1'), version });
    const registry: Pick<GroupRegistry, 'load' | 'save'> = {
      load: async () => stored(),
      async save(g, expected) {
        if (conflicts-- > 0) {
          version += 1;
          throw new ConcurrentUpdateError(g.groupId);
        }
        calls.push(`save v${expected} leaveRequestedAt=${g.leaveRequestedAt}`);
      },
    };
    const left = await leaveGroup('C1', {
      registry,
      line: { leave: async (_type, id) => void calls.push(`LINE leave ${id}`) },
      policy: { ejectionWindowMs: 60_000 },
      now: () => new Date('2026-11-25T01:00:00.000Z'),
    });
    expect(calls).toEqual(['save v2 leaveRequestedAt=2026-11-25T01:00:00.000Z', 'LINE leave C1']);
    expect(left.leaveRequestedAt).toBe('2026-11-25T01:00:00.000Z');
  });

  it('withdraws the request when LINE refuses it, so a later removal by a member is not read as ours', async () => {
    let stored: StoredGroup = { group: group('C1'), version: 1 };
    const registry: Pick<GroupRegistry, 'load' | 'save'> = {
      load: async () => stored,
      async save(g, expected) {
        expect(expected).toBe(stored.version);
        stored = { group: g, version: stored.version + 1 };
      },
    };
    const refused = new LineApiError(500, 'LINE answered 500: Internal error');
    await expect(
      leaveGroup('C1', {
        registry,
        line: {
          leave: async () => {
            throw refused;
          },
        },
        policy: { ejectionWindowMs: 60_000 },
        now: () => new Date('2026-11-25T01:00:00.000Z'),
      }),
    ).rejects.toBe(refused);
    expect(stored.group.leaveRequestedAt).toBeUndefined();
    expect(stored.version).toBe(3);
  });
});
