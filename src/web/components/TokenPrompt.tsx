// Shown when the API answers 401: the server was started with --token. The
// token is kept in sessionStorage (this tab only) and sent as a bearer token.
import { useEffect, useRef, useState } from 'preact/hooks';
import { setToken } from '../api';

export function TokenPrompt({ rejected }: { rejected: boolean }) {
  const [value, setValue] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  return (
    <section class="token-prompt card" role="dialog" aria-modal="false" aria-labelledby="token-title" aria-describedby="token-desc">
      <h1 id="token-title" class="card-title">
        This catalog needs an access token
      </h1>
      <p id="token-desc">
        The server was started with <code>--token</code>. Enter the token to continue; it is kept for this browser tab only.
      </p>
      {rejected && (
        <p class="form-error" role="alert">
          That token was not accepted. Check it and try again.
        </p>
      )}
      <form
        class="token-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) setToken(value.trim());
        }}
      >
        <label for="token-input">API token</label>
        <div class="token-row">
          <input ref={input} id="token-input" type="password" autocomplete="off" spellcheck={false} value={value} onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)} required />
          <button type="submit" class="button button-primary">
            Continue
          </button>
        </div>
      </form>
    </section>
  );
}
