import { useState, type FormEvent } from 'react';
import { useUi } from '../App';
import { api, setToken } from '../api';

export function Login() {
  const { t, setSignedIn } = useUi();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [failed, setFailed] = useState(false);

  async function submit(event: FormEvent, path: string) {
    event.preventDefault();
    try {
      const reply = await api<{ token: string }>('POST', path, { email, password });
      setToken(reply.token);
      setSignedIn(true);
    } catch {
      setFailed(true);
    }
  }

  return (
    <form className="card" onSubmit={(event) => submit(event, '/api/auth/login')}>
      <p>{t('needSignIn')}</p>
      <label>{t('email')}<input type="email" value={email} onChange={(e) => setEmail(e.target.value)} required /></label>
      <label>{t('password')}<input type="password" value={password} minLength={8} onChange={(e) => setPassword(e.target.value)} required /></label>
      {failed && <p role="alert">{t('error')}</p>}
      <div className="row">
        <button type="submit">{t('signIn')}</button>
        <button type="button" onClick={(event) => submit(event, '/api/auth/register')}>{t('signUp')}</button>
      </div>
    </form>
  );
}
