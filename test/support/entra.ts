import { createHash, randomBytes } from 'node:crypto';

/**
 * Signs in at an OpenID provider's authorization endpoint as one of the Entra ID stand-in's users (its sign-in
 * page posts the user's name), then redeems the code with its PKCE verifier: the token endpoint's answer.
 * Everything is read from the authority's discovery document, as a client does.
 */
export async function signInAsStandInUser(
  authority: string,
  options: { clientId: string; scope: string; username: string; redirectUri?: string },
): Promise<Record<string, any>> {
  const discovery = (await (await fetch(`${authority}/.well-known/openid-configuration`)).json()) as {
    authorization_endpoint: string;
    token_endpoint: string;
  };
  const verifier = randomBytes(32).toString('base64url');
  const redirectUri = options.redirectUri ?? 'http://127.0.0.1/';
  const post = (url: string, fields: Record<string, string>) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });
  const answer = await post(discovery.authorization_endpoint, {
    client_id: options.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: `openid profile offline_access ${options.scope}`,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    username: options.username,
  });
  const code = new URL(answer.headers.get('location') ?? '').searchParams.get('code');
  if (answer.status !== 302 || !code)
    throw new Error(`no code from ${discovery.authorization_endpoint}: ${answer.status}`);
  const tokens = await post(discovery.token_endpoint, {
    grant_type: 'authorization_code',
    client_id: options.clientId,
    redirect_uri: redirectUri,
    code,
    code_verifier: verifier,
  });
  return (await tokens.json()) as Record<string, any>;
}
