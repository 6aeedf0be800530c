/** A search space refuses a definition or a point; its own module so the CLI can tell it apart without loading the planner. */
export class SpaceError extends Error {}
