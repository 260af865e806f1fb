// The API reference page (public/docs/index.html): swagger-ui, served from this origin, reading
// the service's own /openapi.json. Its CSP (public/_headers) allows scripts, styles and requests from
// this origin only, and images from it and data: (swagger-ui's icons).
import './apiReference.css';

interface SwaggerUiGlobal {
  SwaggerUIBundle?: (options: Record<string, unknown>) => unknown;
}

const swaggerUi = (window as unknown as SwaggerUiGlobal).SwaggerUIBundle;
const target = document.getElementById('reference');
if (!swaggerUi || !target) {
  if (target) target.textContent = 'The API reference could not be loaded (public/build/swagger-ui is missing).';
} else {
  swaggerUi({
    url: '/openapi.json',
    domNode: target,
    deepLinking: true,
    // "Try it out" sends real requests (with the token given to Authorize): one click away, never
    // open by default.
    tryItOutEnabled: false,
    defaultModelsExpandDepth: 0,
  });
}
