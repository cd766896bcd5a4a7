import type { Env, Hono } from 'hono';
import {
  type AttendanceAdminDeps,
  attendanceReport,
  decideCorrection,
  disableAttendance,
  enableAttendance,
  reportCsv,
} from '../../lambda/app/attendance/manage-attendance';
import { isMonth, wallClock } from '../../lambda/domain/attendance/time';
import { attendancePage } from './views/attendance';
import { layout } from './views/layout';

/**
 * The attendance pages: thin views over the same use cases as `npm run attendance`. Who decides a
 * correction here is recorded as `console` until the console has sign-in.
 */
export function attendanceRoutes<E extends Env>(app: Hono<E>, deps: AttendanceAdminDeps) {
  const show = async (
    groupId: string,
    requested: string | undefined,
    message?: { ok?: string; error?: string },
  ) => {
    const settings = await deps.store.settings(groupId);
    const month =
      requested && isMonth(requested)
        ? requested
        : wallClock(deps.now(), settings?.timeZone ?? 'Asia/Tokyo').date.slice(0, 7);
    const report = settings ? await attendanceReport(groupId, month, deps) : undefined;
    return layout(`勤怠 ${month}`, attendancePage(groupId, month, settings, report, message), '/groups');
  };
  const problem = (error: unknown) => ({ error: (error as Error).message });

  app.get('/attendance/:groupId', async (c) => {
    try {
      return c.html(await show(c.req.param('groupId'), c.req.query('month')));
    } catch (error) {
      const page = attendancePage(c.req.param('groupId'), '', undefined, undefined, problem(error));
      return c.html(layout('勤怠', page, '/groups'), 400);
    }
  });

  app.get('/attendance/:groupId/csv', async (c) => {
    const groupId = c.req.param('groupId');
    const month = c.req.query('month') ?? '';
    try {
      const csv = reportCsv(await attendanceReport(groupId, month, deps));
      return c.body(csv, 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="attendance-${groupId}-${month}.csv"`,
      });
    } catch (error) {
      return c.text((error as Error).message, 400);
    }
  });

  app.post('/attendance/:groupId/settings', async (c) => {
    const groupId = c.req.param('groupId');
    const form = await c.req.parseBody();
    try {
      const settings =
        form.enabled === 'on'
          ? await enableAttendance(
              groupId,
              {
                timeZone: String(form.timeZone ?? '').trim(),
                dayStarts: String(form.dayStarts ?? '').trim(),
              },
              deps,
            )
          : await disableAttendance(groupId, deps);
      const ok = settings.enabled
        ? `勤怠をオンにしました（${settings.timeZone}、1日の始まり ${settings.dayStarts}）`
        : '勤怠をオフにしました。記録はそのまま残ります';
      return c.html(await show(groupId, undefined, { ok }));
    } catch (error) {
      return c.html(await show(groupId, undefined, problem(error)), 400);
    }
  });

  app.post('/attendance/:groupId/corrections/:correctionId', async (c) => {
    const groupId = c.req.param('groupId');
    const form = await c.req.parseBody();
    const month = String(form.month ?? '');
    const decision =
      form.decision === 'approved' ? 'approved' : form.decision === 'rejected' ? 'rejected' : undefined;
    try {
      if (!decision) throw new Error('承認 approved か却下 rejected を選んでください');
      const decided = await decideCorrection(c.req.param('correctionId'), decision, 'console', deps);
      const ok = `修正 ${decided.correctionId} を${decision === 'approved' ? '承認' : '却下'}しました`;
      return c.html(await show(groupId, month, { ok }));
    } catch (error) {
      return c.html(await show(groupId, month, problem(error)), 400);
    }
  });
}
