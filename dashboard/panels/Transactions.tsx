// The ledger, newest first, a page at a time (the API's X-Next-Cursor header), filtered by type
// and agent. Each row names the grants that paid for it or received it (grantNames.ts).
import { useState } from 'preact/hooks';
import * as fmt from '../format';
import { useResource } from '../hooks';
import { KNOWN_AGENTS, TRANSACTION_TYPES, type Transaction } from '../types';
import { ErrorText, Panel } from '../ui';
import { useGrantNames } from './grantNames';

const PAGE_SIZE = 10;

export function TransactionsPanel(props: { version: number }) {
  const [type, setType] = useState('');
  const [agent, setAgent] = useState('');
  const [agentDraft, setAgentDraft] = useState('');
  // Cursors of the pages before this one; the last entry is this page's (undefined = first page).
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];

  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (cursor) query.set('cursor', cursor);
  if (type) query.set('type', type);
  if (agent) query.set('agent', agent);
  const page = useResource<Transaction[]>(`/tokens/transactions?${query.toString()}`, props.version);
  const nextCursor = page.headers?.get('X-Next-Cursor') ?? null;

  const grantNames = useGrantNames(page.data);

  return (
    <Panel id="transactions" title="Transaction history" busy={page.loading} wide>
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          // A change of filter starts again at the first page.
          setAgent(agentDraft.trim().toLowerCase());
          setCursors([undefined]);
        }}
      >
        <label>
          Type
          <select
            value={type}
            onChange={(event) => {
              setType(event.currentTarget.value);
              setCursors([undefined]);
            }}
            name="type"
          >
            <option value="">All types</option>
            {TRANSACTION_TYPES.map((t) => (
              <option key={t} value={t}>
                {fmt.typeLabel(t)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Agent
          <input
            name="agent"
            list="agent-names"
            value={agentDraft}
            placeholder="any"
            autocomplete="off"
            onInput={(event) => setAgentDraft(event.currentTarget.value)}
          />
        </label>
        <datalist id="agent-names">
          {KNOWN_AGENTS.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <button type="submit">Filter</button>
      </form>
      <ErrorText error={page.error} prefix="History could not be loaded:" />
      <div class="table-scroll" tabIndex={0} role="region" aria-label="Transactions">
        <table class="table table--stack" data-testid="transactions">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Type</th>
              <th scope="col">What</th>
              <th scope="col" class="num">
                Tokens
              </th>
              <th scope="col" class="num">
                Balance after
              </th>
              <th scope="col">Grant</th>
            </tr>
          </thead>
          <tbody>
            {(page.data ?? []).map((row) => (
              <tr key={row.id} data-type={row.type}>
                <td class="nowrap" data-label="When">
                  {fmt.dateTime(row.timestamp)}
                </td>
                <td data-label="Type">
                  <span class={`tag tag--${row.tokens < 0 ? 'debit' : 'credit'}`}>{fmt.typeLabel(row.type)}</span>
                </td>
                <td data-label="What" class="what">
                  {row.description}
                  {row.input_tokens !== null && row.output_tokens !== null ? (
                    <div class="fine num">
                      in {fmt.tokens(row.input_tokens)} · out {fmt.tokens(row.output_tokens)}
                      {row.estimated_cost_usd_micros !== null
                        ? ` · ${fmt.usdFromMicros(row.estimated_cost_usd_micros)}`
                        : ''}
                      {row.estimated_cost_inr_paise !== null
                        ? ` · ${fmt.inrFromPaise(row.estimated_cost_inr_paise)}`
                        : ''}
                    </div>
                  ) : null}
                </td>
                <td data-label="Tokens" class={`num ${row.tokens < 0 ? 'debit' : 'credit'}`}>
                  {fmt.signedTokens(row.tokens)}
                </td>
                <td data-label="Balance after" class="num">
                  {fmt.tokens(row.tokens_after)}
                </td>
                <td data-label="Grant" class="fine">
                  {row.grants.length === 0
                    ? '—'
                    : row.grants.map((g) => (
                        <div key={g.grant_id}>
                          #{g.grant_id}
                          {grantNames.has(g.grant_id) ? ` ${grantNames.get(g.grant_id)}` : ''}{' '}
                          <span class="num">{fmt.signedTokens(g.tokens)}</span>
                        </div>
                      ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {page.data && page.data.length === 0 ? <p class="fine">No transactions match.</p> : null}
      <nav class="pager" aria-label="History pages">
        <button type="button" disabled={cursors.length === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
          Newer
        </button>
        <span class="fine num">Page {cursors.length}</span>
        <button
          type="button"
          disabled={!nextCursor}
          onClick={() => nextCursor && setCursors((c) => [...c, nextCursor])}
        >
          Older
        </button>
      </nav>
    </Panel>
  );
}
