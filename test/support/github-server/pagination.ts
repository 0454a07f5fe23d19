/** GitHub's page size when the client names none, and the largest it serves whatever the client asks. */
export const DEFAULT_PER_PAGE = 30;
export const MAX_PER_PAGE = 100;

export interface Page<T> {
  readonly items: readonly T[];
  /** The `Link` header; absent when everything fits on one page, as on GitHub. */
  readonly link?: string;
}

/**
 * One page of a list by `page` and `per_page`, and the `Link` header with first/prev/next/last. Links repeat the
 * request's URL with another `page`, under `/repos/{owner}/{repo}/...`: GitHub itself links to
 * `/repositories/{id}/...`, a path the description does not have.
 */
export function paginate<T>(items: readonly T[], query: Readonly<Record<string, string>>, requestUrl: URL): Page<T> {
  const perPage = perPageOf(query);
  const page = Math.max(1, Number(query.page ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const slice = items.slice((page - 1) * perPage, page * perPage);
  if (last === 1 && page === 1) return { items: slice };
  const link = (target: number, rel: string) => {
    const url = new URL(requestUrl);
    url.searchParams.set('page', String(target));
    return `<${url.href}>; rel="${rel}"`;
  };
  const links = [
    ...(page > 1 ? [link(Math.min(page - 1, last), 'prev')] : []),
    ...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []),
    ...(page > 1 ? [link(1, 'first')] : []),
  ];
  return { items: slice, link: links.join(', ') };
}

/** GitHub serves its default for a page size below 1 and its maximum for one above. */
function perPageOf(query: Readonly<Record<string, string>>): number {
  const perPage = Number(query.per_page ?? DEFAULT_PER_PAGE);
  return perPage < 1 ? DEFAULT_PER_PAGE : Math.min(perPage, MAX_PER_PAGE);
}
