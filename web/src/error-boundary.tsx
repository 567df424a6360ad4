import { Component, type ReactNode } from 'react';

/**
 * Shows `fallback` in place of children that threw while rendering, and keeps showing it: a part
 * that failed once (a stack overflow in a parser, say) would fail again on the next update.
 */
export class ErrorBoundary extends Component<
  { fallback: ReactNode; label: string; children: ReactNode },
  { failed: boolean }
> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override componentDidCatch(error: unknown): void {
    console.error(`${this.props.label} could not be shown`, error);
  }

  override render(): ReactNode {
    return this.state.failed ? this.props.fallback : this.props.children;
  }
}
