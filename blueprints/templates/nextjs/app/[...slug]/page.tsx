// Every other page of the blueprint (dashboards, landing pages) by its path.
import { PageView } from '@/web/src/PageView';

export default async function BlueprintPage({ params }: { params: Promise<{ slug: string[] }> }) {
  const { slug } = await params;
  return <PageView path={`/${slug.join('/')}`} />;
}
