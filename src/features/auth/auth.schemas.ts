import { z } from '@hono/zod-openapi'
import { EmailSchema, NameSchema, PasswordSchema, UserSchema } from '../users/users.schemas'

export const RegisterBody = z
  .strictObject({ email: EmailSchema, password: PasswordSchema, name: NameSchema })
  .openapi('RegisterRequest')
export const VerifyBody = z
  .strictObject({
    email: EmailSchema,
    code: z
      .string()
      .regex(/^\d{6}$/, 'must be 6 digits')
      .openapi({ example: '123456' }),
  })
  .openapi('VerifyEmailRequest')
export const EmailBody = z.strictObject({ email: EmailSchema }).openapi('EmailRequest')
export const LoginBody = z
  .strictObject({ email: EmailSchema, password: z.string().min(1).max(200) })
  .openapi('LoginRequest')
export const RefreshBody = z.strictObject({ refreshToken: z.string().min(20).max(200) }).openapi('RefreshRequest')
export const ResetBody = z
  .strictObject({ token: z.string().min(20).max(200), password: PasswordSchema })
  .openapi('ResetPasswordRequest')
export const ChangePasswordBody = z
  .strictObject({ currentPassword: z.string().min(1).max(200), newPassword: PasswordSchema })
  .openapi('ChangePasswordRequest')
export const ProfileBody = z.strictObject({ name: NameSchema }).openapi('UpdateProfileRequest')

export const TokenPairSchema = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string(),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int().openapi({ description: 'Access token lifetime in seconds' }),
  })
  .openapi('TokenPair')
export const LoginSchema = TokenPairSchema.extend({ user: UserSchema }).openapi('LoginResponse')
export const MessageSchema = z.object({ message: z.string() }).openapi('Message')
export const UserWithAccessSchema = UserSchema.extend({ permissions: z.array(z.string()) }).openapi('UserWithRoles')
