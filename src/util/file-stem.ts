/** A file name stem from a campaign's name: letters, digits and dashes only. */
export function fileStem(name: string): string {
  return name.normalize('NFKD').replace(/[^\w-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'campaign';
}
