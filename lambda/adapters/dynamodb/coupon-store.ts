import { type DynamoDBDocumentClient, GetCommand, paginateScan, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Coupon } from '../../domain/coupons';
import { batchGetAll } from './batch';

/** The coupons table: the LINE coupons we send, keyed by LINE's couponId. */
export class DynamoDbCouponStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(coupon: Coupon): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: coupon }));
  }

  async get(couponId: string): Promise<Coupon | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { couponId } }));
    return Item as Coupon | undefined;
  }

  async getMany(couponIds: string[]): Promise<Coupon[]> {
    const keys = [...new Set(couponIds)].map((couponId) => ({ couponId }));
    return batchGetAll<Coupon>(this.client, this.tableName, keys);
  }

  /** Every coupon, newest first. The table holds an operator's coupons: tens, not millions. */
  async list(): Promise<Coupon[]> {
    const coupons: Coupon[] = [];
    for await (const page of paginateScan({ client: this.client }, { TableName: this.tableName })) {
      coupons.push(...((page.Items ?? []) as Coupon[]));
    }
    return coupons.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  }
}
