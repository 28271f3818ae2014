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

/** A fresh phone (no cookies). `javaScript: false` is a phone with JavaScript switched off. */
export function phone(browser, { javaScript = true } = {}) {
  return browser.newContext({
    viewport: PHONE,
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    javaScriptEnabled: javaScript,
    // The server's Content-Security-Policy forbids every script, as it should; the checks below
    // inject axe-core, so this test browser ignores the policy.
    bypassCSP: true,
  });
}
