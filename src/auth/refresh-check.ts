import {
  GrantType,
  OAuthError,
  type TokenExchangeCallbackOptions,
  type TokenExchangeCallbackResult,
} from "@cloudflare/workers-oauth-provider";
import type { Env } from "../env";
import { loadAllowList, roleFor } from "./allow-list";
import { isGrantProps } from "./identity";
import { grantedScopes, roleFromScopes } from "./scopes";

/**
 * The provider's token-exchange hook: on every refresh of an OIDC grant, look
 * the user up in the allow-list again. Someone removed from it loses the
 * grant (the provider revokes it on `invalid_grant`); someone moved to a
 * lower role gets a token for that role. A higher role never raises a grant
 * beyond what was consented to: that takes signing in again.
 */
export function recheckAllowList(
  options: TokenExchangeCallbackOptions<Env>,
): TokenExchangeCallbackResult | undefined {
  if (options.grantType !== GrantType.REFRESH_TOKEN) return undefined;
  const props: unknown = options.props;
  if (!isGrantProps(props) || props.signIn !== "oidc" || !props.subject) return undefined;
  const role = roleFor(loadAllowList(options.env), { subject: props.subject, email: props.email });
  if (role === undefined) {
    throw new OAuthError("invalid_grant", {
      description: "This account is no longer on the server's allow-list.",
    });
  }
  const scope = grantedScopes(role, options.requestedScope);
  const effective = roleFromScopes(scope) ?? "viewer";
  const unchanged =
    effective === props.role &&
    scope.length === options.requestedScope.length &&
    scope.every((s) => options.requestedScope.includes(s));
  if (unchanged) return undefined;
  return { newProps: { ...props, role: effective }, accessTokenScope: scope };
}
