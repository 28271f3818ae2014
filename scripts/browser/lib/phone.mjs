// Debian's headless Chromium, driven by playwright-core, as a resident's phone: 360×780 CSS
// pixels at device scale 2, touch, Chinese. No browser is downloaded: CHROMIUM or /usr/bin/chromium.
import { chromium } from 'playwright-core';

export const PHONE = { width: 360, height: 780 };

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    chromiumSandbox: false,
    // playwright-core gives every launch a fresh, empty --user-data-dir of its own.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A fresh phone (no cookies, nothing stored). `javaScript: false` is a phone with JavaScript
 * switched off; `enforceCSP: true` keeps the server's Content-Security-Policy in force (and so
 * cannot run the accessibility checks, which inject a script).
 */
export function phone(browser, { javaScript = true, enforceCSP = false } = {}) {
  return browser.newContext({
    viewport: PHONE,
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    javaScriptEnabled: javaScript,
    // The server's Content-Security-Policy allows no script but Minyi's own files; the checks
    // inject axe-core, so a test browser ignores the policy unless told to keep it.
    bypassCSP: !enforceCSP,
  });
}
