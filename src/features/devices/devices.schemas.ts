import { z } from '@hono/zod-openapi'
import { DEVICE_STATUSES, devices } from '../../db/schema'
import { PageQuery } from '../../lib/pagination'
import { formatted, selectSchema } from '../../lib/table-schema'

const FirmwareVersion = z.string().trim().min(1).max(64).openapi({ example: '1.4.2' })

/** Picked, not omitted: the row also holds the key's hash, which never leaves the server. */
export const DeviceSchema = selectSchema(devices)
  .pick({
    id: true,
    coldCellId: true,
    serialNumber: true,
    keyPrefix: true,
    status: true,
    lastSeenAt: true,
    firmwareVersion: true,
    createdAt: true,
    updatedAt: true,
  })
  .extend({
    keyPrefix: z.string().openapi({
      description: 'The first characters of the key, to recognise it; the key itself is never shown again',
    }),
    // The cold cell's parents (a join).
    locationId: formatted('uuid'),
    customerId: formatted('uuid'),
  })
  .openapi('Device')

export const DeviceWithKeySchema = DeviceSchema.extend({
  apiKey: z.string().openapi({ description: 'The device key (header x-device-key). Shown only in this response' }),
}).openapi('DeviceWithKey')

export const CreateDeviceBody = z
  .strictObject({
    coldCellId: z.uuid(),
    // It is part of the ingest URL, so it stays URL-safe.
    serialNumber: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{3,64}$/, '3 to 64 letters, digits, _ . -')
      .openapi({ example: 'CC-1001' }),
    firmwareVersion: FirmwareVersion.optional(),
  })
  .openapi('CreateDevice')
export type CreateDeviceInput = z.infer<typeof CreateDeviceBody>

/** Status, lastSeenAt and the key belong to the device and the server: they are not fields here. */
export const UpdateDeviceBody = z
  .strictObject({ coldCellId: z.uuid().optional(), firmwareVersion: FirmwareVersion.nullable().optional() })
  .refine(
    (b) => b.coldCellId !== undefined || b.firmwareVersion !== undefined,
    'give at least one of coldCellId, firmwareVersion',
  )
  .openapi('UpdateDevice')
export type UpdateDeviceInput = z.infer<typeof UpdateDeviceBody>

export const DeviceIdParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) })
export const DeviceListQuery = PageQuery.extend({
  coldCellId: z.uuid().optional(),
  customerId: z.uuid().optional(),
  status: z.enum(DEVICE_STATUSES).optional(),
})
export type DeviceListQuery = z.infer<typeof DeviceListQuery>
