export default {
  async fetch(): Promise<Response> {
    return new Response("simulator not built yet", { status: 501 });
  },
};
