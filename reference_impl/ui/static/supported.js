// GOV.UK Frontend styles interactive components only where its scripts will run.
document.body.className += " js-enabled" +
  ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
