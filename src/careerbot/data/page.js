() => {
  // Accessibility fixes to Gradio's own markup, reapplied whenever Gradio re-renders:
  // its example questions sit in a role="list" whose children are plain buttons, which
  // assistive technology (and axe-core's aria-required-children rule) rejects, so the
  // container becomes a labelled group (and so do the follow-up options, for a screen reader);
  // the question box's send button is an icon with no name; the footer's Settings icon
  // repeats the button's text as alt text.
  const fix = () => {
    document.querySelectorAll("#chat .options:not([role])").forEach((el) => {
      el.setAttribute("role", "group");
      el.setAttribute("aria-label", "Suggested follow-up questions");
    });
    document.querySelectorAll("#question .submit-button:not([aria-label])").forEach((b) => {
      b.setAttribute("aria-label", "Send question");
    });
    document.querySelectorAll("#chat .examples[role=list]").forEach((el) => {
      el.setAttribute("role", "group");
      el.setAttribute("aria-label", "Example questions");
    });
    document.querySelectorAll("footer .settings img[alt]:not([alt=''])").forEach((img) => {
      img.setAttribute("alt", "");
    });
  };
  fix();
  new MutationObserver(fix).observe(document.body, { childList: true, subtree: true });
}
