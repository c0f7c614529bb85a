import type { PveSimulator } from "../../simulator/src/simulator";

/**
 * Answers some requests of a simulated cluster differently, the way a real Proxmox can but the
 * simulator does not (a 596 for a node that exists, a status without some counters...). The
 * tool under test reaches the simulator through its `fetch`, so this wraps that method:
 * `answer` returns a Response to send instead, or a function of the simulator's own answer
 * body, or undefined to pass the request through.
 */
export function injectFaults(
  sim: PveSimulator,
  answer: (
    path: string,
    request: Request,
  ) => Response | ((body: { data: unknown }) => unknown) | undefined,
): void {
  const real = sim.fetch.bind(sim);
  sim.fetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const path = decodeURIComponent(url.pathname).replace(/^\/api2\/json/, "");
    const fault = answer(path, request);
    if (fault === undefined) return real(request);
    if (fault instanceof Response) return fault;
    const response = await real(request);
    const body = (await response.json()) as { data: unknown };
    return Response.json({ data: fault(body) });
  };
}

/** PVE's answer when it cannot forward a request to a node (TLS or lookup trouble). */
export function status596(): Response {
  return new Response(null, { status: 596, statusText: "Connection refused" });
}
