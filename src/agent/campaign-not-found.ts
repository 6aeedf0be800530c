/** No campaign has the id asked for; its own module so the CLI can tell it apart without loading the agent. */
export class CampaignNotFoundError extends Error {}
