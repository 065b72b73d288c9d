'use client';
// The few react-router calls the shared React pages make, on the Next.js App Router.
import NextLink from 'next/link';
import { useParams as useNextParams, useRouter } from 'next/navigation';
import type { AnchorHTMLAttributes, ReactNode } from 'react';

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string; children?: ReactNode };

export function Link({ to, children, ...rest }: LinkProps) {
  return <NextLink href={to} {...rest}>{children}</NextLink>;
}

export function useParams(): { id?: string } {
  const params = useNextParams<{ id?: string }>();
  return { id: typeof params?.id === 'string' ? params.id : undefined };
}

export function useNavigate(): (to: string | number) => void {
  const router = useRouter();
  return (to) => {
    if (typeof to === 'number') router.back();
    else router.push(to);
  };
}
