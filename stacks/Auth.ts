import { Duration } from "aws-cdk-lib";
import { AccountRecovery, Mfa, UserPool, UserPoolEmail, VerificationEmailStyle } from "aws-cdk-lib/aws-cognito";
import { Cognito, type StackContext } from "sst/constructs";
import { stageSettings } from "./settings";
import { PASSWORD_POLICY } from "@media/core/password-policy";

/**
 * The user pool and the one app client the API signs users in with. Sign-up, confirmation, login and
 * password reset are Cognito's public (unauthenticated) API calls, made by the auth functions with the
 * client id alone, so the client has no secret and the functions need no IAM for them.
 */
export function Auth({ stack, app }: StackContext) {
  const settings = stageSettings(app.stage);

  const auth = new Cognito(stack, "Users", {
    // Email is the sign-in name (usernames are then generated ids, and the email is matched case-insensitively).
    login: ["email"],
    // Users get no AWS credentials: nothing in this app talks to AWS from the client but through presigned URLs.
    identityPoolFederation: false,
    cdk: {
      // The retained pool of a removed prod stage (kept-resources.ts) keeps its own settings.
      userPool: settings.kept.userPoolId
        ? UserPool.fromUserPoolId(stack, "KeptUsers", settings.kept.userPoolId)
        : {
        selfSignUpEnabled: true,
        signInCaseSensitive: false,
        autoVerify: { email: true },
        keepOriginal: { email: true },
        userVerification: {
          emailStyle: VerificationEmailStyle.CODE,
          emailSubject: "Your media storage confirmation code",
          emailBody: "Your confirmation code is {####}",
        },
        standardAttributes: { email: { required: true, mutable: true } },
        passwordPolicy: { ...PASSWORD_POLICY, tempPasswordValidity: Duration.days(3) },
        accountRecovery: AccountRecovery.EMAIL_ONLY,
        // Each person may turn on TOTP (POST /me/mfa/totp); SMS is not offered (no SNS spend, no SIM swaps).
        mfa: Mfa.OPTIONAL,
        mfaSecondFactor: { sms: false, otp: true },
        // Cognito's own sender allows a handful of emails a day, and sign-up, resend and reset are public.
        ...(settings.email ? { email: UserPoolEmail.withSES(settings.email) } : {}),
        deletionProtection: settings.isProd,
        removalPolicy: settings.dataRemovalPolicy,
      },
      userPoolClient: {
        // A public client: the API calls Cognito with the client id only (no SECRET_HASH).
        generateSecret: false,
        authFlows: { userPassword: true, userSrp: true },
        // Unknown user and wrong password answer alike, so the API cannot be used to find accounts.
        preventUserExistenceErrors: true,
        // POST /logout revokes the refresh token; revoked access tokens still verify offline, so keep them short.
        enableTokenRevocation: true,
        accessTokenValidity: Duration.hours(1),
        idTokenValidity: Duration.hours(1),
        refreshTokenValidity: Duration.days(30),
        authSessionValidity: Duration.minutes(3),
        // No hosted UI or OAuth redirects: the app signs in through the API.
        disableOAuth: true,
      },
    },
  });

  stack.addOutputs({
    UserPoolId: auth.userPoolId,
    UserPoolClientId: auth.userPoolClientId,
  });

  return {
    auth,
    userPoolId: auth.userPoolId,
    userPoolArn: auth.userPoolArn,
    userPoolClientId: auth.userPoolClientId,
  };
}
