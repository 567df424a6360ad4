/** Turns shorter than this end while the user is still looking; no notification. */
const longTurnMs = 15_000;

export function notificationsAvailable(): boolean {
  return typeof Notification !== 'undefined';
}

/** Asked only from a click: browsers ignore (and penalise) permission prompts nobody asked for. */
export async function requestNotifications(): Promise<NotificationPermission> {
  if (!notificationsAvailable()) return 'denied';
  return Notification.requestPermission();
}

/** A browser notification when a long turn ends in a hidden tab, if the user allowed them. */
export function notifyTurnEnded(options: { title: string; startedAt: number }): void {
  if (!notificationsAvailable() || Notification.permission !== 'granted') return;
  if (document.visibilityState !== 'hidden' || Date.now() - options.startedAt < longTurnMs) return;
  const notification = new Notification('Autopilot finished', { body: options.title, tag: 'autopilot-turn' });
  notification.onclick = () => {
    window.focus();
    notification.close();
  };
}
