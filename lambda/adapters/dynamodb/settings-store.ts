import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  DeleteCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Offers } from '../../domain/coupon-policy';
import type { WordsThatMatter } from '../../domain/kept-text';
import { commandWords } from '../../domain/attendance/commands';
import { loadTemplates } from '../../domain/templates';
import type { DynamoDbCouponStore } from './coupon-store';

/** The settings table's items, by `setting`. */
type Setting =
  | { setting: 'groupCoupon'; couponId: string }
  | { setting: 'templates'; overrides: Record<string, unknown> }
  | { setting: 'couponKeywords'; keywords: Record<string, string> };

/** Operator settings that take effect without a deploy: the group coupon, keywords and templates. */
export class DynamoDbSettingsStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private async all(): Promise<Partial<{ [K in Setting['setting']]: Extract<Setting, { setting: K }> }>> {
    const { Responses } = await this.client.send(
      new BatchGetCommand({
        RequestItems: {
          [this.tableName]: {
            Keys: ['groupCoupon', 'templates', 'couponKeywords'].map((setting) => ({ setting })),
          },
        },
      }),
    );
    return Object.fromEntries(((Responses?.[this.tableName] ?? []) as Setting[]).map((s) => [s.setting, s]));
  }

  async groupCouponId(): Promise<string | undefined> {
    return (await this.all()).groupCoupon?.couponId;
  }

  async setGroupCoupon(couponId: string | undefined): Promise<void> {
    if (couponId) {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: { setting: 'groupCoupon', couponId } }),
      );
    } else {
      await this.client.send(
        new DeleteCommand({ TableName: this.tableName, Key: { setting: 'groupCoupon' } }),
      );
    }
  }

  /** The words that make processing read a message's text (see kept-text.ts). */
  async wordsThatMatter(): Promise<WordsThatMatter> {
    const settings = await this.all();
    const templates = loadTemplates(settings.templates?.overrides ?? {});
    return {
      anywhere: [...templates.keywords, ...Object.keys(settings.couponKeywords?.keywords ?? {})],
      atStart: commandWords(templates.attendanceCommands),
    };
  }

  async templateOverrides(): Promise<Record<string, unknown>> {
    return (await this.all()).templates?.overrides ?? {};
  }

  /** Saves the operator's template overrides; they are checked first, so a bad one never goes live. */
  async setTemplateOverrides(overrides: Record<string, unknown>): Promise<void> {
    loadTemplates(overrides);
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { setting: 'templates', overrides } }),
    );
  }

  async couponKeywords(): Promise<Record<string, string>> {
    return (await this.all()).couponKeywords?.keywords ?? {};
  }

  /** The keyword now answers with this coupon (a later coupon takes a keyword over). */
  async setCouponKeyword(keyword: string, couponId: string): Promise<void> {
    // One attribute of the map, in place: a concurrent change to another keyword is never lost.
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { setting: 'couponKeywords' },
            UpdateExpression: 'SET keywords.#keyword = :couponId',
            ConditionExpression: 'attribute_exists(keywords)',
            ExpressionAttributeNames: { '#keyword': keyword },
            ExpressionAttributeValues: { ':couponId': couponId },
          }),
        );
        return;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      // The first keyword ever: create the map, unless someone else just did (then set it there).
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { setting: 'couponKeywords', keywords: { [keyword]: couponId } },
            ConditionExpression: 'attribute_not_exists(setting)',
          }),
        );
        return;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    throw new Error(`the couponKeywords setting could not be written for "${keyword}"`);
  }

  /**
   * Removes the keyword only while it still answers with `couponId`: when a later coupon took the
   * keyword over, closing the earlier one leaves it alone (one conditional write, no read).
   */
  async removeCouponKeyword(keyword: string, couponId: string): Promise<void> {
    const keywordStillNamesCoupon = 'keywords.#keyword = :couponId';
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { setting: 'couponKeywords' },
          UpdateExpression: 'REMOVE keywords.#keyword',
          ConditionExpression: keywordStillNamesCoupon,
          ExpressionAttributeNames: { '#keyword': keyword },
          ExpressionAttributeValues: { ':couponId': couponId },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // The keyword names another coupon now, or no longer exists: nothing of ours to remove.
    }
  }

  /** Everything the webhook needs to answer: two reads (settings, then the coupons they name). */
  async offers(coupons: DynamoDbCouponStore): Promise<Offers> {
    const settings = await this.all();
    const keywordIds = Object.values(settings.couponKeywords?.keywords ?? {});
    const groupCouponId = settings.groupCoupon?.couponId;
    const found = await coupons.getMany([...keywordIds, ...(groupCouponId ? [groupCouponId] : [])]);
    const byId = new Map(found.map((c) => [c.couponId, c]));
    return {
      templates: loadTemplates(settings.templates?.overrides ?? {}),
      ...(groupCouponId && byId.has(groupCouponId) && { groupCoupon: byId.get(groupCouponId) }),
      keywordCoupons: Object.entries(settings.couponKeywords?.keywords ?? {}).flatMap(([keyword, id]) => {
        const coupon = byId.get(id);
        return coupon ? [{ ...coupon, keyword }] : [];
      }),
    };
  }
}

/** Keeps the offers for `ttlMs`, so a busy group costs no settings reads per message. */
export function cachedOffers(load: () => Promise<Offers>, ttlMs: number, now = () => Date.now()) {
  let cached: { at: number; offers: Promise<Offers> } | undefined;
  return {
    current(): Promise<Offers> {
      if (!cached || now() - cached.at >= ttlMs) {
        const offers = load();
        cached = { at: now(), offers };
        offers.catch(() => (cached = undefined));
      }
      return cached.offers;
    },
  };
}
