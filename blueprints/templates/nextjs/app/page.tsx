import { PageView } from '@/web/src/PageView';

export default function HomePage() {
  return <PageView path="/" />;
}
