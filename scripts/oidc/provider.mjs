// A real OpenID provider for Debrief's tests: panva's certified `oidc-provider` (pinned in
// package.json, installed into .tools/oidc by scripts/install-test-deps), on loopback.
//
//   node provider.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI ACCOUNTS_JSON_FILE
//
// ACCOUNTS_JSON_FILE maps a login to its claims, e.g.
//   {"ann": {"email": "ann@example.com", "email_verified": true, "name": "Ann", "groups": ["ops"]}}
// The provider's own development pages sign people in: any login of the file with any password,
// then a consent page ("Continue"). Prints "ready ISSUER" once it listens.
//
// With OIDC_CLAIMS_IN_USERINFO=1 the ID token carries only `sub` (and the checks' claims): the
// e-mail, name and groups are given only at the UserInfo endpoint, as some providers do.
// Signing out (RP-initiated logout) may send the browser back to REDIRECT_URI's origin + /login.
import { readFileSync } from 'node:fs';

// Where `npm ci` put the pinned package (OIDC_PROVIDER_MODULES: .tools/oidc/node_modules).
const modules = process.env.OIDC_PROVIDER_MODULES ?? new URL('./node_modules', import.meta.url).pathname;
const { default: Provider } = await import(`${modules}/oidc-provider/lib/index.js`);

const [port, clientId, clientSecret, redirectUri, accountsFile] = process.argv.slice(2);
const accounts = JSON.parse(readFileSync(accountsFile, 'utf8'));
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [new URL('/login', redirectUri).href],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  // Claims go into the ID token (Debrief reads them there, as from Okta, Google or Entra),
  // unless the test wants them only at the UserInfo endpoint.
  conformIdTokenClaims: process.env.OIDC_CLAIMS_IN_USERINFO === '1',
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username', 'groups'],
  },
  cookies: { keys: ['debrief-tests-only'] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const claims = accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));

provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
