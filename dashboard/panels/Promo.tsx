// Redeem a promo code; the other panels refresh when it is credited.
import { useState } from 'preact/hooks';
import { api } from '../api';
import * as fmt from '../format';
import { ErrorText, Notice, Panel } from '../ui';

interface Redeemed {
  bonus_tokens: number;
  new_balance: number;
  promo_code: string;
  expires_at: string | null;
}

export function PromoPanel(props: { onChanged: () => void }) {
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);

  async function redeem(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const { data } = await api<Redeemed>('/tokens/redeem-code', { method: 'POST', body: { promo_code: code } });
      setDone(
        `Redeemed ${data.promo_code}: +${fmt.tokens(data.bonus_tokens)} tokens. Balance now ${fmt.tokens(data.new_balance)}` +
          (data.expires_at ? `; these tokens expire ${fmt.dateTime(data.expires_at)}.` : '.'),
      );
      setCode('');
      props.onChanged();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Panel id="promo" title="Promo code" busy={busy}>
      <form class="inline-form" onSubmit={(event) => void redeem(event)}>
        <label for="promo-code">Promo code</label>
        <input
          id="promo-code"
          name="promo_code"
          value={code}
          required
          minLength={3}
          maxLength={32}
          autocomplete="off"
          autocapitalize="characters"
          spellcheck={false}
          onInput={(event) => setCode(event.currentTarget.value)}
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Redeeming…' : 'Redeem'}
        </button>
      </form>
      <Notice text={done} />
      <ErrorText error={error} />
    </Panel>
  );
}
