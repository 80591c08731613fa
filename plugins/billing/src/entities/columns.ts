import { BigIntType } from '@mikro-orm/core';

/** 64-bit integer columns read back as JS numbers (safe integers; money.ts checks every amount). */
export const bigint = () => ({ type: new BigIntType('number') });
export const money = () => ({ type: new BigIntType('number'), default: 0 });
