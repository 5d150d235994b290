import ReactMarkdown, { type Components } from 'react-markdown';
import rehypeSanitize from 'rehype-sanitize';

/**
 * The safe subset of Markdown messages may use. Anything else (headings, images, tables) is shown
 * as its text; raw HTML in a message is never rendered (skipHtml), and what remains also passes
 * rehype-sanitize's GitHub-style allow-list, so a `javascript:` link or an event attribute cannot
 * reach the page. The server stores the text exactly as sent; this is presentation only.
 */
const ALLOWED = ['p', 'strong', 'em', 'del', 'code', 'pre', 'a', 'ul', 'ol', 'li', 'br', 'blockquote'];

const components: Components = {
  // Links leave the app in a new tab, without handing it a reference to this one.
  a: ({ href, children }) => (
    <a href={href} target="_blank" rel="noopener noreferrer nofollow">
      {children}
    </a>
  ),
};

export function Markdown(props: { text: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown
        skipHtml
        allowedElements={ALLOWED}
        unwrapDisallowed
        rehypePlugins={[rehypeSanitize]}
        components={components}
      >
        {props.text}
      </ReactMarkdown>
    </div>
  );
}
