import { campaignCommand } from '../../lib/cli/campaign';
import { UsageError } from '../../lib/cli/usage-error';
import { newGroupId, newUserId, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { startHarness, type Harness } from '../support/webhook-harness';

/**
 * "Send the friend-add card to chats below X% reach": a campaign to the active chats where a
 * broadcast misses most members, priced per member before it starts, sent once.
 */
let h: Harness;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  h = await startHarness();
  env = { ...h.cliEnv };
});
afterAll(() => h.close());

async function run(...argv: string[]) {
  const out: string[] = [];
  const code = await campaignCommand(argv, (text) => out.push(text), env);
  return { code, text: out.join('\n') };
}
const control = (path: string, body: unknown) =>
  fetch(`${h.line.url}${path}`, { method: 'PUT', body: JSON.stringify(body) });

/** A chat of `memberCount` on LINE, of whom `friends` joined as friends of the OA. */
async function chatWith(memberCount: number, friends: number): Promise<string> {
  const groupId = newGroupId();
  await control(`/emulator/chats/${groupId}`, { groupName: `chat of ${memberCount}`, memberCount });
  const people = Array.from({ length: friends }, () => newUserId());
  for (const userId of people) await control(`/emulator/friends/${userId}`, { friend: true });
  const t = Date.now();
  await h.post([webhookEvents.join(groupId, { timestamp: t - 60_000 })]);
  if (people.length > 0)
    await h.post([webhookEvents.memberJoined(groupId, people, { timestamp: t - 30_000 })]);
  return groupId;
}
const pushesTo = (groupId: string) => h.line.state.sent.filter((m) => m.via === 'push' && m.to === groupId);

describe('campaign: the friend-add card to chats below a reach', () => {
  it('goes to the chats below the reach only, priced one message per member, once even when re-run', async () => {
    const low = await chatWith(4, 1); // 25%
    const none = await chatWith(10, 0); // 0%
    const high = await chatWith(2, 2); // 100%
    await h.processing.sweep(); // friendship checks LINE still owed
    const before = h.line.state.requests.length;

    const first = await run('send', '--friend-card', '--below-reach', '0.5');
    expect(first.code).toBe(0);
    expect(first.text).toMatch(
      /2 active below 50% reach group\(s\) to go, about 14 message\(s\) \(one per member\)/,
    );
    for (const chat of [low, none]) {
      const [push] = pushesTo(chat);
      expect(pushesTo(chat)).toHaveLength(1);
      expect(JSON.stringify(push)).toContain('https://line.me/R/ti/p/@line-groups');
    }
    expect(pushesTo(high)).toHaveLength(0);
    expect(h.line.state.requests.length).toBeGreaterThan(before);

    const again = await run('send', '--friend-card', '--below-reach', '0.5', '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.text)).toMatchObject({ sent: 2, failed: 0, status: 'done' }); // the campaign's totals
    for (const chat of [low, none]) expect(pushesTo(chat)).toHaveLength(1); // nothing pushed twice
  });

  it.each([
    [['--below-reach', '1.5'], /--below-reach: a share above 0 and at most 1/],
    [['--below-reach', '0'], /--below-reach: a share above 0 and at most 1/],
    [['--below-reach', 'half'], /--below-reach: a share above 0 and at most 1/],
    [[], /--friend-card --below-reach <0..1> together/],
    [['--below-reach', '0.5', '--to', 'active'], /no --to/],
  ])('send --friend-card %j is a usage error, and nothing is asked of LINE', async (flags, reason) => {
    const before = h.line.state.requests.length;
    const error = await run('send', '--friend-card', ...flags).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(reason);
    expect(h.line.state.requests.length).toBe(before);
  });
});
