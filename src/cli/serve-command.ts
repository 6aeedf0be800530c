export async function serveCommand(_o: object): Promise<number> { return 1; }
