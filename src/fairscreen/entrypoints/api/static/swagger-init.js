/* fairscreen /docs: starts Swagger UI on the service's own OpenAPI document. A file of
   its own, not an inline script, so the page's Content-Security-Policy can forbid inline
   script altogether. */
window.addEventListener("DOMContentLoaded", function () {
  "use strict";
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
